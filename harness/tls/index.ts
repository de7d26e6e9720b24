/** TLS for tests and checks: throwaway certificates (cert-factory) and probing a device's TLS server (tls-probe). */
export * from './cert-factory';
export * from './tls-probe';
