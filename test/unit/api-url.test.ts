import { apiUrlRefusal } from '../../src/platform/api-url';

const refusal = (url: string, allowInsecureHttp = false) => apiUrlRefusal(url, { allowInsecureHttp });

describe('apiUrlRefusal', () => {
  test.each([
    'https://ads.example.com',
    'https://ads.example.com:8443/v2/',
    'HTTPS://Ads.Example.com',
    'http://localhost:3001',
    'http://LOCALHOST:3001',
    'http://127.0.0.1:3001',
    'http://127.0.0.53',
    'http://127.255.255.254:8080',
    'http://127.1:3001', // 127.0.0.1, as the URL parser reads it
    'http://[::1]:3001',
    'http://[0:0:0:0:0:0:0:1]:3001',
  ])('accepts %s', (url) => {
    expect(refusal(url)).toBeUndefined();
  });

  test.each([
    ['http://ads.example.com', /plain http to another machine: use https:\/\/, or pass --allow-insecure-http/],
    ['http://10.0.0.5:3001', /plain http to another machine/],
    ['http://128.0.0.1', /plain http to another machine/],
    ['http://localhost.evil.example', /plain http to another machine/],
    ['http://127.0.0.1.nip.io', /plain http to another machine/],
    ['http://[::2]:3001', /plain http to another machine/],
    ['http://[::ffff:127.0.0.1]:3001', /plain http to another machine/],
    ['file:///etc/passwd', /has scheme file: give an https:\/\/ URL/],
    ['ftp://ads.example.com', /has scheme ftp: give an https:\/\/ URL/],
    ['javascript:alert(1)', /has scheme javascript: give an https:\/\/ URL/],
    ['localhost:3001', /has scheme localhost: give an https:\/\/ URL/],
    ['not-a-url', /^--api-url not-a-url is not a URL; give one like https:\/\/ads\.example\.com$/],
    ['', /is not a URL/],
    ['https://', /is not a URL/],
    ['http://exa mple.com', /is not a URL/],
  ])('refuses %s in one line that says what to fix', (url, message) => {
    const refused = refusal(url);
    expect(refused).toMatch(message);
    expect(refused!.split('\n')).toHaveLength(1);
  });

  test.each(['https://ops:hunter2@ads.example.com', 'https://ops@ads.example.com', 'http://:hunter2@localhost:3001'])(
    'refuses %s, a URL with a user or password, without repeating it',
    (url) => {
      const refused = refusal(url, true);
      expect(refused).toMatch(/^--api-url must not carry a user or password \(user:password@\): the credentials go in /);
      expect(refused).not.toMatch(/hunter2|ops@/);
    },
  );

  test('--allow-insecure-http lets plain http reach another machine, and nothing else through', () => {
    expect(refusal('http://ads.example.com:8080', true)).toBeUndefined();
    expect(refusal('ftp://ads.example.com', true)).toMatch(/has scheme ftp:/);
    expect(refusal('not-a-url', true)).toMatch(/is not a URL/);
  });
});
