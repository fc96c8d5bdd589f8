/** What every engine returns for one utterance: native-rate mono audio and its own phone end times. */
export interface RawSegment { phone: string; end: number }
export interface Synth { samples: Float32Array; rate: number; segments: RawSegment[] }
