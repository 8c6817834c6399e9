/* fuzz_wav.c - the examples' WAVE reader (examples/io/wav.c,
 * wav_read_buffer) on arbitrary bytes.
 *
 * Invariants: it returns 0 or -1 and never crashes or reads outside the
 * buffer; on -1 the audio is empty (samples NULL) and the message is one
 * terminated line; on 0 the format is one wav.h lists (PCM 8/16/24/32
 * bits or float 32, mono or stereo, rate 1..WAV_MAX_RATE), the sample
 * count is positive and within WAV_MAX_SAMPLES, every sample is finite
 * and integer samples lie in [-1, 1) ([-1, 1] for 32 bits: see below);
 * a streamed file (wav.h, "Streamed files") says what it held: a streamed
 * "data" chunk runs to the end of the buffer and its whole frames were
 * read, a wrong RIFF size is not the buffer's.
 */
#include "fuzz.h"
#include "wav.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

static bool format_listed(const wav_audio *a)
{
    bool pcm = a->encoding == WAV_PCM &&
               (a->bits == 8 || a->bits == 16 || a->bits == 24 || a->bits == 32);
    bool flt = a->encoding == WAV_FLOAT && a->bits == 32;
    return (pcm || flt) && (a->channels == 1 || a->channels == 2) && a->rate >= 1 &&
           a->rate <= WAV_MAX_RATE;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wav_audio audio;
    char err[256];
    memset(err, 'x', sizeof err);
    int status = wav_read_buffer(data, size, &audio, err, sizeof err);
    FUZZ_CHECK(status == 0 || status == -1);
    if (status != 0) {
        FUZZ_CHECK(audio.samples == NULL);
        FUZZ_CHECK(memchr(err, '\0', sizeof err) != NULL);
        FUZZ_CHECK(strchr(err, '\n') == NULL);
        return 0;
    }
    FUZZ_CHECK(format_listed(&audio));
    FUZZ_CHECK(audio.frames > 0 && audio.frames <= WAV_MAX_SAMPLES / audio.channels);
    size_t samples = audio.frames * audio.channels;
    /* Every sample came from the file: it holds at least bits/8 bytes each. */
    FUZZ_CHECK(samples <= size / (audio.bits / 8));
    FUZZ_CHECK(all_finite(audio.samples, samples));
    size_t frame_bytes = audio.channels * (audio.bits / 8), read = audio.frames * frame_bytes;
    FUZZ_CHECK(audio.streamed == WAV_WHOLE || audio.streamed == WAV_STREAMED_DATA ||
               audio.streamed == WAV_STREAMED_RIFF);
    switch (audio.streamed) {
    case WAV_WHOLE:
        FUZZ_CHECK(audio.declared_bytes == 0 && audio.present_bytes == 0);
        break;
    case WAV_STREAMED_DATA:
        FUZZ_CHECK(audio.present_bytes >= read && audio.present_bytes - read < frame_bytes);
        FUZZ_CHECK(audio.present_bytes <= size - 20 && audio.declared_bytes <= UINT32_MAX);
        /* the data ran to the end: its chunk header comes right before them */
        FUZZ_CHECK(memcmp(data + size - audio.present_bytes - 8, "data", 4) == 0);
        break;
    case WAV_STREAMED_RIFF:
        FUZZ_CHECK(audio.present_bytes == size && audio.declared_bytes != size);
        break;
    }
    /* v / 2^(bits-1) is below 1, but for 32 bits the float nearest to
       (2^31 - 1) / 2^31 is 1.0f (finding 3 in docs/SECURITY.md). */
    float top = audio.bits == 32 ? 1.0f : nextafterf(1.0f, 0.0f);
    if (audio.encoding == WAV_PCM)
        for (size_t i = 0; i < samples; i++)
            FUZZ_CHECK(audio.samples[i] >= -1.0f && audio.samples[i] <= top);
    wav_free(&audio);
    return 0;
}
