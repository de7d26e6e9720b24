/** Payment crypto for the bench calculator and encryption tests: DUKPT, PIN blocks, MACs, KCVs, key loading. */
export * from './errors';
export * from './hex';
export * from './block';
export * from './dukpt-tdes';
export * from './dukpt-aes';
export * from './pinblock';
export * from './iso9797';
export * from './cmac';
export * from './kcv';
export * from './keys';
