package appservice.delivery.ingest;

import appservice.delivery.transactions.DeadLetter;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * What the record of a refused message keeps of its body, taken in as the body passes by (it may be far
 * larger than the heap): the length and SHA-256 of the whole body, and its first {@link #prefixBytes} bytes
 * as text. A text counts as its UTF-8 bytes (an unpaired surrogate as {@code ?}, as Java encodes it); other
 * bodies as their bytes, shown decoded as UTF-8.
 */
final class BodySummary {

    private final MessageDigest sha256;
    private final int prefixBytes;
    private final boolean binary;
    private final StringBuilder textPrefix = new StringBuilder();
    private final byte[] bytesPrefix;
    private int bytesPrefixLength;
    private int textPrefixBytes;
    private boolean cut;
    private long length;

    /** A high surrogate whose low half may come with the next characters. */
    private char pendingHigh;

    /** The UTF-8 of the characters taken in, hashed in blocks. */
    private final byte[] encoded = new byte[8192];
    private int encodedLength;

    /** The state of an Artemis text body read as it comes (see {@link #encodedText}). */
    private int headerBytesLeft = 5;
    private boolean nullText;
    private int pendingLow = -1;

    private BodySummary(int prefixBytes, boolean binary) {
        this.prefixBytes = prefixBytes;
        this.binary = binary;
        this.bytesPrefix = new byte[binary ? prefixBytes : 0];
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    /** For a text, given as characters or as Artemis encodes it. */
    static BodySummary ofText() {
        return ofText(DeadLetter.MAX_BODY_BYTES);
    }

    static BodySummary ofText(int prefixBytes) {
        return new BodySummary(prefixBytes, false);
    }

    /** For a body of bytes (a {@code BytesMessage}'s). */
    static BodySummary ofBytes() {
        return ofBytes(DeadLetter.MAX_BODY_BYTES);
    }

    static BodySummary ofBytes(int prefixBytes) {
        return new BodySummary(prefixBytes, true);
    }

    /** A whole text at once. */
    static BodySummary of(String text) {
        BodySummary summary = ofText();
        summary.text(text);
        return summary;
    }

    void text(CharSequence text) {
        for (int i = 0; i < text.length(); i++) {
            character(text.charAt(i));
        }
    }

    /**
     * Part of a text as Artemis encodes a {@code TextMessage}'s body (a null flag, the data's length in 4 bytes,
     * then each character in two bytes, low byte first), in parts of any size.
     */
    void encodedText(byte[] bytes, int offset, int count) {
        for (int i = offset; i < offset + count; i++) {
            if (headerBytesLeft > 0) {
                if (headerBytesLeft == 5 && bytes[i] == 0) {
                    nullText = true; // a TextMessage without a text
                }
                headerBytesLeft--;
            } else if (nullText) {
                return;
            } else if (pendingLow < 0) {
                pendingLow = bytes[i] & 0xFF;
            } else {
                character((char) (pendingLow | (bytes[i] & 0xFF) << 8));
                pendingLow = -1;
            }
        }
    }

    /** Part of a body of bytes. */
    void bytes(byte[] bytes, int offset, int count) {
        length += count;
        sha256.update(bytes, offset, count);
        int kept = Math.min(count, bytesPrefix.length - bytesPrefixLength);
        System.arraycopy(bytes, offset, bytesPrefix, bytesPrefixLength, kept);
        bytesPrefixLength += kept;
        if (kept < count) {
            cut = true;
        }
    }

    private void character(char c) {
        if (pendingHigh != 0) {
            char high = pendingHigh;
            pendingHigh = 0;
            if (Character.isLowSurrogate(c)) {
                codePoint(Character.toCodePoint(high, c), new String(new char[] {high, c}));
                return;
            }
            codePoint('?', "\uFFFD");
        }
        if (Character.isHighSurrogate(c)) {
            pendingHigh = c;
        } else if (Character.isLowSurrogate(c)) {
            codePoint('?', "\uFFFD");
        } else {
            codePoint(c, c == 0 ? "\uFFFD" : String.valueOf(c));
        }
    }

    /** One code point: hashed as UTF-8, kept in the prefix as {@code shown} (what a database can hold). */
    private void codePoint(int codePoint, String shown) {
        if (encodedLength > encoded.length - 4) {
            flush();
        }
        int size;
        if (codePoint < 0x80) {
            encoded[encodedLength++] = (byte) codePoint;
            size = 1;
        } else if (codePoint < 0x800) {
            encoded[encodedLength++] = (byte) (0xC0 | codePoint >> 6);
            encoded[encodedLength++] = (byte) (0x80 | codePoint & 0x3F);
            size = 2;
        } else if (codePoint < 0x10000) {
            encoded[encodedLength++] = (byte) (0xE0 | codePoint >> 12);
            encoded[encodedLength++] = (byte) (0x80 | codePoint >> 6 & 0x3F);
            encoded[encodedLength++] = (byte) (0x80 | codePoint & 0x3F);
            size = 3;
        } else {
            encoded[encodedLength++] = (byte) (0xF0 | codePoint >> 18);
            encoded[encodedLength++] = (byte) (0x80 | codePoint >> 12 & 0x3F);
            encoded[encodedLength++] = (byte) (0x80 | codePoint >> 6 & 0x3F);
            encoded[encodedLength++] = (byte) (0x80 | codePoint & 0x3F);
            size = 4;
        }
        length += size;
        if (!cut && textPrefixBytes + size <= prefixBytes) {
            textPrefix.append(shown);
            textPrefixBytes += size;
        } else {
            cut = true;
        }
    }

    private void flush() {
        sha256.update(encoded, 0, encodedLength);
        encodedLength = 0;
    }

    private void finish() {
        if (pendingHigh != 0) {
            pendingHigh = 0;
            codePoint('?', "\uFFFD");
        }
        flush();
    }

    /** The body's length in bytes. Call once everything is in (a high surrogate at the end is then alone). */
    long length() {
        finish();
        return length;
    }

    /** The SHA-256 of the whole body, in lower-case hex. Call once everything is in, and only once. */
    String sha256() {
        finish();
        return HexFormat.of().formatHex(sha256.digest());
    }

    /** Whether {@link #prefix} is only the first part of the body. Call once everything is in. */
    boolean cut() {
        finish();
        return cut;
    }

    /** The first part of the body as text, with U+FFFD for what a database cannot hold. Call once everything is in. */
    String prefix() {
        finish();
        if (!binary) {
            return textPrefix.toString();
        }
        int end = bytesPrefixLength;
        if (cut) {
            end = wholeSequences(bytesPrefix, end);
        }
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE);
        try {
            CharBuffer text = decoder.decode(ByteBuffer.wrap(Arrays.copyOf(bytesPrefix, end)));
            return DeadLetters.storable(text.toString());
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new IllegalStateException("a replacing decoder never throws", e);
        }
    }

    /** Where the last whole UTF-8 sequence ends, so that a cut never leaves half a character at the end. */
    private static int wholeSequences(byte[] bytes, int end) {
        int start = end - 1;
        while (start >= 0 && end - start <= 4 && (bytes[start] & 0xC0) == 0x80) {
            start--;
        }
        if (start < 0) {
            return end;
        }
        int lead = bytes[start] & 0xFF;
        int size = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
        return start + size > end ? start : end;
    }
}
