package appservice.delivery.faults;

import java.io.InputStream;

/**
 * A text of any length, never held in memory: the same ASCII characters are made again on every read, as
 * its UTF-8 bytes or as Artemis holds a {@code TextMessage}'s body (a null flag, the data's length, two
 * bytes a character, low byte first).
 */
record HugeText(long characters) {

    private static final String PATTERN = "{\"kind\":\"event\",\"event\":{\"content\":{\"body\":\"abcdefghijklmnopqrstuvwxyz0123456789";

    char charAt(long index) {
        return PATTERN.charAt((int) (index % PATTERN.length()));
    }

    /** Its UTF-8 (ASCII) bytes. */
    InputStream utf8() {
        return new InputStream() {
            private long next;

            @Override
            public int read() {
                return next < characters ? charAt(next++) : -1;
            }

            @Override
            public int read(byte[] buffer, int offset, int length) {
                if (next >= characters) {
                    return -1;
                }
                int count = (int) Math.min(length, characters - next);
                for (int i = 0; i < count; i++) {
                    buffer[offset + i] = (byte) charAt(next++);
                }
                return count;
            }
        };
    }

    /** The body of a {@code TextMessage} of it, as Artemis encodes one. */
    InputStream artemisEncoded() {
        long dataBytes = 2 * characters;
        if (dataBytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("Artemis writes a text's length in 4 bytes");
        }
        return new InputStream() {
            private long next; // bytes given so far

            @Override
            public int read() {
                long total = 5 + dataBytes;
                if (next >= total) {
                    return -1;
                }
                long i = next++;
                if (i == 0) {
                    return 1; // not null
                }
                if (i < 5) {
                    return (int) (dataBytes >>> (8 * (4 - i))) & 0xFF;
                }
                long data = i - 5;
                return data % 2 == 0 ? charAt(data / 2) & 0xFF : charAt(data / 2) >> 8 & 0xFF;
            }

            @Override
            public int read(byte[] buffer, int offset, int length) {
                int count = 0;
                for (int b; count < length && (b = read()) >= 0; count++) {
                    buffer[offset + count] = (byte) b;
                }
                return count == 0 && length > 0 ? -1 : count;
            }
        };
    }
}
