/** Fault injection between a transport and its framer: schedule as data, controller, wrapper. */
export * from './fault-spec';
export * from './controller';
export * from './faulty-transport';
export * from './fault-injected-error';
export * from './random';
