import type { PageConfig } from '../server/page-server.js'

/** The page's settings, served by the demo server. */
export async function loadPageConfig(): Promise<PageConfig> {
  const response = await fetch('./demo-config.json')
  if (!response.ok) throw new Error(`demo-config.json: HTTP ${response.status}`)
  return (await response.json()) as PageConfig
}

/** The strategy picked in the URL (`?strategy=`), so a reload keeps it. */
export function strategyFromUrl(): string {
  return new URLSearchParams(location.search).get('strategy') ?? 'dispatcher'
}
