/*
 * birq-espeak: synthesize utterances with libespeak-ng and report exact phoneme start times.
 * Usage: birq-espeak VOICE RATE_WPM PITCH_0_99 OUT_PREFIX < texts (one utterance per line)
 * For utterance i it writes OUT_PREFIX-i.raw (16-bit mono little-endian PCM at the rate printed first) and
 * prints lines "P i sample phoneme" (phoneme start, from espeakEVENT_PHONEME) and "E i total_samples".
 * The synthesizer keeps filter and phase state from one line to the next (and espeak_Terminate followed by
 * espeak_Initialize deadlocks in 1.51), so the builder runs one process per utterance: then every utterance
 * is a function of its own text only, and a resumed build regenerates identical audio.
 * Built at corpus-build time by data-scripts/engines/espeak.ts: gcc -O2 espeak-helper.c -lespeak-ng.
 */
#include <espeak-ng/speak_lib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static FILE *out = NULL;
static long total = 0;
static int utt = 0;

static int callback(short *wav, int n, espeak_EVENT *ev) {
  for (; ev && ev->type != espeakEVENT_LIST_TERMINATED; ev++) {
    if (ev->type == espeakEVENT_PHONEME) {
      char name[9];
      memcpy(name, ev->id.string, 8);
      name[8] = 0;
      printf("P %d %d %d %s\n", utt, ev->sample, ev->audio_position, name);
    }
  }
  if (wav && n > 0) {
    fwrite(wav, sizeof(short), n, out);
    total += n;
  }
  return 0;
}

static int start(char **argv) {
  int rate = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, NULL, espeakINITIALIZE_PHONEME_EVENTS);
  if (rate <= 0) { fprintf(stderr, "espeak_Initialize failed\n"); exit(1); }
  if (espeak_SetVoiceByName(argv[1]) != EE_OK) { fprintf(stderr, "unknown espeak-ng voice %s\n", argv[1]); exit(1); }
  espeak_SetParameter(espeakRATE, atoi(argv[2]), 0);
  espeak_SetParameter(espeakPITCH, atoi(argv[3]), 0);
  espeak_SetSynthCallback(callback);
  return rate;
}

int main(int argc, char **argv) {
  if (argc != 5) { fprintf(stderr, "usage: birq-espeak VOICE RATE PITCH OUT_PREFIX < texts\n"); return 2; }
  int rate = start(argv);
  printf("R %d\n", rate);
  char line[8192];
  char path[4096];
  while (fgets(line, sizeof line, stdin)) {
    line[strcspn(line, "\n")] = 0;
    snprintf(path, sizeof path, "%s-%d.raw", argv[4], utt);
    out = fopen(path, "wb");
    if (!out) { fprintf(stderr, "cannot write %s\n", path); return 1; }
    total = 0;
    espeak_Synth(line, strlen(line) + 1, 0, POS_CHARACTER, 0, espeakCHARS_UTF8, NULL, NULL);
    espeak_Synchronize();
    fclose(out);
    printf("E %d %ld\n", utt, total);
    utt++;
  }
  return 0;
}
