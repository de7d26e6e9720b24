/**
 * Interfaces poshil serves itself as the acquirer host — the role `host` and `host-…` — rather
 * than reaching on the device: the terminal dials them.
 */
export function isHostRole(role: string): boolean {
  return role === 'host' || role.startsWith('host-');
}
