package appservice.delivery.sending;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * One request to an application service, which the service can give up on from another thread: when its
 * deadline passes, or when this instance loses its lease on the application service. Giving up closes the
 * request's connection, because that is what ends a thread blocked reading from it: a socket read does not
 * heed an interrupt, and JAX-RS has no timeout for a whole request. The server's client hands the connection
 * over as it opens it, on the thread that makes the request ({@link Connections}).
 */
final class Exchange {

    private static final ThreadLocal<Exchange> CURRENT = new ThreadLocal<>();

    private final Executor closing;

    private Runnable close;

    private String abandoned;

    private boolean finished;

    /** A close runs on the closing executor; the next waits for it. */
    private boolean closingNow;

    /** {@code closing} closes the connection when the exchange is given up on: the one giving up never waits. */
    Exchange(Executor closing) {
        this.closing = closing;
    }

    /** Makes the request on this thread: the connection it opens is this exchange's. */
    <T> T request(Supplier<T> request) {
        CURRENT.set(this);
        try {
            return request.get();
        } finally {
            CURRENT.remove();
        }
    }

    /**
     * For the server's client, as it opens the connection of the request on this thread: {@code close}
     * closes it. False when the exchange has been given up on already: then the request must not go out.
     */
    static boolean opening(Runnable close) {
        Exchange exchange = CURRENT.get();
        return exchange == null || exchange.opened(close);
    }

    private synchronized boolean opened(Runnable close) {
        if (abandoned != null) {
            return false;
        }
        this.close = close;
        return true;
    }

    /**
     * Gives up on the exchange for this reason: its connection is closed if it is open, and refused if it
     * opens later. False, and nothing happens, once the exchange has finished or been given up on already.
     */
    boolean abandon(String reason) {
        synchronized (this) {
            if (finished || abandoned != null) {
                return false;
            }
            abandoned = reason;
        }
        closeAgain();
        return true;
    }

    /**
     * Closes the connection of an exchange given up on once more, unless the requester has finished with it
     * (then returns false). The one giving up repeats it until then: a close that comes while the connection
     * is still being made does not stop it, and HttpURLConnection connects anew when a close falls between
     * its connecting and its sending.
     */
    boolean closeAgain() {
        Runnable toClose;
        synchronized (this) {
            if (finished) {
                return false;
            }
            if (abandoned == null || close == null || closingNow) {
                return true;
            }
            closingNow = true;
            toClose = close;
        }
        closing.execute(() -> {
            try {
                toClose.run();
            } finally {
                closed();
            }
        });
        return true;
    }

    private synchronized void closed() {
        closingNow = false;
    }

    /**
     * The answer's body as the requester reads it: once the exchange is given up on, a read fails with the
     * reason. The requester then stops, and no longer holds the stream, which closing it may wait for.
     */
    InputStream reading(InputStream body) {
        return new FilterInputStream(body) {

            @Override
            public int read() throws IOException {
                stopIfGivenUp();
                return in.read();
            }

            @Override
            public int read(byte[] bytes, int offset, int length) throws IOException {
                stopIfGivenUp();
                return in.read(bytes, offset, length);
            }
        };
    }

    private void stopIfGivenUp() throws IOException {
        String reason;
        synchronized (this) {
            reason = abandoned;
        }
        if (reason != null) {
            throw new IOException(reason);
        }
    }

    /** The requester closes the connection itself, now: it will not read the rest of the answer. */
    void drop() {
        Runnable toClose;
        synchronized (this) {
            if (closingNow || close == null) {
                return; // being closed already, or never opened
            }
            closingNow = true;
            toClose = close;
        }
        try {
            toClose.run();
        } finally {
            closed();
        }
    }

    /**
     * The requester is done with the connection: from now on nothing closes it, as it may be back in the
     * client's pool serving another request. Returns why the exchange was given up on before, if it was.
     */
    synchronized Optional<String> finish() {
        finished = true;
        return Optional.ofNullable(abandoned);
    }
}
