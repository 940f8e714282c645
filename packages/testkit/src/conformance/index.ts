/** Conformance suites every Strategy and ConfigSource implementation should pass. */
export {}
