import { packageBuild } from '../../tsup.shared.ts'

export default packageBuild(['src/index.ts', 'src/cli.ts'], {
  external: ['fastify', '@fastify/websocket', 'ws'],
})
