// libFuzzer's entry for programs that keep their own main (SwiftPM links every executable with
// `main` aliased to `<Target>_main`, so libFuzzer's own main is never used).
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
