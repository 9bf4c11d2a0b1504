/* Key decoders read config files, UAPI requests and CLI input. Any accepted
 * text must re-encode to itself: decoding is exact, never lenient. */
#include <stdint.h>
#include <stddef.h>
#include <string.h>

#include "tunnel/key.h"

static void check_base64(const char *text)
{
	uint8_t key[32];
	char again[WG_KEY_B64_LEN];

	if (!wg_key_from_base64(key, text))
		return;
	wg_key_to_base64(again, key);
	if (strcmp(again, text) != 0)
		__builtin_trap();
}

static void check_hex(const char *text)
{
	uint8_t key[32];
	char again[WG_KEY_HEX_LEN];
	size_t i;

	if (!wg_key_from_hex(key, text))
		return;
	wg_key_to_hex(again, key);
	for (i = 0; i < 64; i++)
		if ((again[i] | 0x20) != (text[i] | 0x20))
			__builtin_trap();
	if (text[64] != '\0')
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[128];

	if (size >= sizeof(text))
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	check_base64(text);
	check_hex(text);
	return 0;
}
