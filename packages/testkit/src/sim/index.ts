/** A real HTTP + WebSocket face of the ComfyUI model. */
export {}
