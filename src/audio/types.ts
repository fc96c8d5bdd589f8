/**
 * Decoded audio: one Float32Array per channel, samples in [-1, 1) (integer PCM divided by 2^(bits-1)),
 * `sampleRate` in Hz. `encoding` says what the file held, for `birq data check` and statistics.
 */
export interface AudioData {
  sampleRate: number;
  channels: Float32Array[];
  /** e.g. 'pcm16', 'pcm24', 'float32', 'flac16'. */
  encoding: string;
}

/** Number of sample frames (per channel). */
export function audioLength(a: AudioData): number {
  return a.channels.length ? a.channels[0].length : 0;
}
