package appservice.delivery;

import java.util.Collection;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.logging.Filter;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import java.util.regex.Pattern;

/**
 * Keeps tokens out of every log line and error text: the registrations' as_tokens and hs_tokens, the
 * admin token, and anything after {@code access_token=} (legacy authorization puts the hs_token in
 * URLs, which the HTTP client and the server may log). Installed on the root logger's handlers at
 * startup, so it covers the server's, Jersey's and EclipseLink's logging as well as ours.
 */
public final class Secrets {

    private static final String MASK = "***";
    private static final Pattern ACCESS_TOKEN = Pattern.compile("(access_token=)[^&\\s\"']+");
    private static final Set<String> TOKENS = new CopyOnWriteArraySet<>();
    private static final SimpleFormatter FORMATTER = new SimpleFormatter();

    private Secrets() {
    }

    /** Remembers these tokens (blank ones are ignored) and makes sure the log handlers mask them. */
    public static void protect(Collection<String> tokens) {
        tokens.stream().filter(t -> t != null && !t.isBlank()).forEach(TOKENS::add);
        for (Handler handler : Logger.getLogger("").getHandlers()) {
            if (!(handler.getFilter() instanceof Masking)) {
                handler.setFilter(new Masking(handler.getFilter()));
            }
        }
    }

    /** The text with every known token and {@code access_token=} value replaced by {@code ***}. */
    public static String mask(String text) {
        if (text == null) {
            return null;
        }
        String masked = ACCESS_TOKEN.matcher(text).replaceAll("$1" + MASK);
        for (String token : TOKENS) {
            masked = masked.replace(token, MASK);
        }
        return masked;
    }

    /** Rewrites each record before the handler writes it: its message, and the messages of what it throws. */
    private record Masking(Filter next) implements Filter {

        @Override
        public boolean isLoggable(LogRecord record) {
            if (record.getMessage() != null) {
                String formatted = FORMATTER.formatMessage(record);
                String masked = mask(formatted);
                if (!masked.equals(record.getMessage()) || record.getParameters() != null) {
                    record.setMessage(masked);
                    record.setParameters(null);
                }
            }
            if (record.getThrown() != null && needsMask(record.getThrown())) {
                record.setThrown(masked(record.getThrown()));
            }
            return next == null || next.isLoggable(record);
        }

        private static boolean needsMask(Throwable thrown) {
            for (Throwable t = thrown; t != null; t = t.getCause()) {
                String message = t.getMessage();
                if (message != null && !mask(message).equals(message)) {
                    return true;
                }
            }
            return false;
        }

        private static Throwable masked(Throwable thrown) {
            Throwable cause = thrown.getCause() == null || thrown.getCause() == thrown ? null : masked(thrown.getCause());
            Throwable copy = new Throwable(thrown.getClass().getName() + ": " + mask(thrown.getMessage()), cause);
            copy.setStackTrace(thrown.getStackTrace());
            return copy;
        }
    }
}
