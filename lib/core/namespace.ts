/** Socket.IO's own rule: a namespace name starts with '/' ('chat' and '/chat' are one namespace). */
export function normalizeNamespace(name: string): string {
  return name.startsWith('/') ? name : `/${name}`;
}
