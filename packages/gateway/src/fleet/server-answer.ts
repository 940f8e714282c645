/** What one server answered on one route: the input of every fleet merge, in the fleet's server order. */
export interface ServerAnswer<T> {
  /** The server's id (configured, never its URL: URLs may carry credentials). */
  readonly serverId: string
  /** Its parsed answer. */
  readonly info: T
}
