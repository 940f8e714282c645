import { packageBuild } from '../../tsup.shared.ts'

export default packageBuild(
  [
    'src/index.ts',
    'src/msw/index.ts',
    'src/sim/index.ts',
    'src/sim/cli.ts',
    'src/conformance/index.ts',
    'src/redis/index.ts',
  ],
  { external: ['msw', 'vitest', 'ws'] },
)
