export { createMemoryStateStore, type MemoryStateStoreOptions } from './memory-store.js'
export type {
  LockRequest,
  ProbeRecord,
  ServerMark,
  ServerMarkInput,
  ServerMarkKind,
  SharedLock,
  StateStoreStatus,
} from './records.js'
export type { StateStore } from './state-store.js'
