import { DefaultLogger, Runtime } from '@temporalio/worker';

// Worker lifecycle logs drown jest's output; warnings and errors still show.
try {
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch {
  // already installed in this process by another test file
}
