import { packageBuild } from '../../tsup.shared.ts'

export default packageBuild(
  ['src/index.ts', 'src/sql/index.ts', 'src/env/index.ts', 'src/json/index.ts', 'src/node/index.ts'],
  {
    // Keep `node:` on the lazy imports of the file source: bundlers then know them as Node built-ins.
    removeNodeProtocol: false,
  },
)
