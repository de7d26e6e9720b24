import pkg from '../package.json';

/** poshil's version, as every report records it. */
export const POSHIL_VERSION: string = pkg.version;
