import { packageBuild } from '../../tsup.shared.ts'

export default packageBuild(['src/index.ts', 'src/node.ts', 'src/internal.ts'])
