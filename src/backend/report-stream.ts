/**
 * Where initBackend's one-line report goes. stdout by default: it is information, and Jupyter paints stderr as an
 * error box. The `birq` command sets stderr, because its commands' stdout is their result (JSON lines for --json).
 * Its own module, free of tfjs, so the CLI can set it before any command loads.
 */
let stream: 'stdout' | 'stderr' = 'stdout';

export function setBackendReportStream(s: 'stdout' | 'stderr'): void {
  stream = s;
}

export function backendReportStream(): NodeJS.WriteStream {
  return stream === 'stdout' ? process.stdout : process.stderr;
}
