package appservice.delivery.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class BodySummaryTest {

    @Test
    void aShortTextIsKeptWholeWithTheLengthAndHashOfItsUtf8() throws Exception {
        String text = "{\"body\":\"h\u00e9llo \u20ac \uD83D\uDE00\"}";
        BodySummary summary = BodySummary.of(text);
        assertEquals(text, summary.prefix());
        assertFalse(summary.cut());
        assertEquals(text.getBytes(StandardCharsets.UTF_8).length, summary.length());
        assertEquals(sha256(text.getBytes(StandardCharsets.UTF_8)), summary.sha256());
    }

    @Test
    void aLongTextKeepsOnlyWholeCharactersUpToTheBound() throws Exception {
        String text = "ab\u20ac\u20ac\uD83D\uDE00z"; // 1 + 1 + 3 + 3 + 4 + 1 bytes
        BodySummary summary = BodySummary.ofText(9);
        summary.text(text);
        assertEquals("ab\u20ac\u20ac", summary.prefix());
        assertTrue(summary.cut());
        assertEquals(13, summary.length());
        assertEquals(sha256(text.getBytes(StandardCharsets.UTF_8)), summary.sha256());
    }

    @Test
    void whatADatabaseCannotHoldIsReplacedInThePrefixButHashedAsJavaEncodesIt() throws Exception {
        String text = "a\0b\uD800c\uDC00";
        BodySummary summary = BodySummary.of(text);
        assertEquals("a\uFFFDb\uFFFDc\uFFFD", summary.prefix());
        assertEquals(sha256(text.getBytes(StandardCharsets.UTF_8)), summary.sha256());
        assertEquals(text.getBytes(StandardCharsets.UTF_8).length, summary.length());
    }

    @Test
    void aHighSurrogateAtTheEndIsAloneWhicheverIsAskedFirst() throws Exception {
        String text = "ab\uD83D";
        BodySummary summary = BodySummary.of(text);
        assertEquals("ab\uFFFD", summary.prefix());
        assertEquals(3, summary.length());
        assertEquals(sha256(text.getBytes(StandardCharsets.UTF_8)), summary.sha256());
    }

    @Test
    void aTextAsArtemisEncodesItIsReadInPartsOfAnySize() throws Exception {
        String text = "x\uD83D\uDE00y\u00e9".repeat(1000);
        byte[] encoded = artemisText(text);
        for (int part : new int[] {1, 2, 3, 7, 4096}) {
            BodySummary summary = BodySummary.ofText();
            for (int i = 0; i < encoded.length; i += part) {
                summary.encodedText(encoded, i, Math.min(part, encoded.length - i));
            }
            assertEquals(text, summary.prefix(), "parts of " + part);
            assertEquals(sha256(text.getBytes(StandardCharsets.UTF_8)), summary.sha256(), "parts of " + part);
        }
    }

    @Test
    void bytesAreHashedAsTheyAreAndShownDecodedWithoutAHalfCharacterAtTheCut() throws Exception {
        byte[] body = "\u00e9\u00e9\u00e9".getBytes(StandardCharsets.UTF_8); // 6 bytes
        BodySummary summary = BodySummary.ofBytes(5);
        summary.bytes(body, 0, 3);
        summary.bytes(body, 3, 3);
        assertEquals("\u00e9\u00e9", summary.prefix());
        assertTrue(summary.cut());
        assertEquals(6, summary.length());
        assertEquals(sha256(body), summary.sha256());

        BodySummary invalid = BodySummary.ofBytes();
        invalid.bytes(new byte[] {'{', (byte) 0xC3, 0x28, 0, '}'}, 0, 5);
        assertEquals("{\uFFFD(\uFFFD}", invalid.prefix());
        assertFalse(invalid.cut());
    }

    /** A TextMessage's body as Artemis writes it: not null, the data's length, each character low byte first. */
    static byte[] artemisText(String text) {
        ByteBuffer buffer = ByteBuffer.allocate(5 + 2 * text.length());
        buffer.put((byte) 1).putInt(2 * text.length());
        for (char c : text.toCharArray()) {
            buffer.put((byte) c).put((byte) (c >> 8));
        }
        return buffer.array();
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
