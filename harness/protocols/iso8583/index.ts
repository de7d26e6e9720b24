/** ISO 8583 codec and packagers: the public API of this directory. */
export { Iso8583Codec } from './codec';
export { BUILT_IN_PACKAGER_DIR, isBuiltInPackager, loadPackager, packagerPath, validatePackager } from './packager';
export { builtInPackagers, packagerSchema } from './packager-schema';
export type { BuiltInPackagerName } from './packager-schema';
export type { FieldDef, FieldType, Iso8583Message, LengthType, PackagerDef } from './types';
