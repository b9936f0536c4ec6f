import { describeSecuredFrontend } from '../helpers/secure-temporal-suite';

describeSecuredFrontend('mtls');
