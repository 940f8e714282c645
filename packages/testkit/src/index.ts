/**
 * `@comfy-balancer/testkit`: a deterministic clock, a seeded random source and a stateful model of
 * a ComfyUI server. The msw handlers built from the model live in `@comfy-balancer/testkit/msw`, so
 * code that does not use msw never loads it.
 */

export {
  type Chaos,
  type ChaosEvent,
  type ChaosKind,
  type ChaosOptions,
  type ChaosTarget,
  flap,
  startChaos,
} from './chaos'
export {
  createTestClock,
  DEFAULT_CLOCK_START,
  type TestClock,
  type TestClockOptions,
  type TimerHandle,
} from './clock'
export { type DriveOptions, driveClock, type Settled } from './drive'
export * from './model/index'
export { simWorkPrompt } from './prompts'
export { seededRandom, seededUuid, uuidFrom } from './random'
export { codeSpans, readmeTable } from './readme'
export {
  BALANCER_EVENT_NAMES,
  describeForScan,
  drainRecordedLines,
  findSecrets,
  forgetRecordedLines,
  type RecordedLine,
  type RecordingLogger,
  recordEvents,
  recordedLines,
  recordingLogger,
  recordLine,
  type SecretHit,
  scannedLineCount,
  TEST_AUTH_HEADERS,
  TEST_BASIC_AUTH,
  TEST_CREDENTIALS,
  TEST_SECRETS,
  withTestCredentials,
} from './recording'
export { burstWorkload, poissonWorkload, type RunStats, summarize, type WorkItem } from './workload'
