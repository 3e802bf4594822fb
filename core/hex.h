/* Hex digits: the one helper asapcat's hex lines and the scripting cache's
 * file names share (no sscanf: it accepts signs and blanks, and links
 * libc's whole scanf into the static binary). */
#ifndef RSP_CORE_HEX_H
#define RSP_CORE_HEX_H

/* The value of hex digit c, or -1 if c is not one. */
static inline int
hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#endif
