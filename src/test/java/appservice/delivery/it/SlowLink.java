package appservice.delivery.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP relay between the service and a {@link RecordingAppService}'s server, which can pass the application
 * service's answers on one byte a second, from their first byte or from their body on: what a stuck server
 * or network looks like to the service, slower than any deadline but never slow enough for a read timeout.
 * It counts the answers the service hung up on before they had all reached it.
 */
final class SlowLink implements AutoCloseable {

    /** How fast the answers pass. */
    enum Pace {
        FULL,
        /** The whole answer, its status line first, one byte a second. */
        ONE_BYTE_A_SECOND,
        /** The status line and headers at once, then the body one byte a second. */
        BODY_ONE_BYTE_A_SECOND
    }

    private static final byte[] END_OF_HEAD = {'\r', '\n', '\r', '\n'};

    private final ServerSocket listener;
    private final int target;
    private final AtomicInteger dropped = new AtomicInteger();
    private volatile Pace pace = Pace.FULL;

    /** Relays to the server on this port (loopback). */
    SlowLink(int target) throws IOException {
        this.target = target;
        listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        daemon("slow-link", this::accept).start();
    }

    int port() {
        return listener.getLocalPort();
    }

    void pace(Pace pace) {
        this.pace = pace;
    }

    /** Answers the service hung up on while they were still passing. */
    int dropped() {
        return dropped.get();
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket service = listener.accept();
                Socket server = new Socket(InetAddress.getLoopbackAddress(), target);
                service.setTcpNoDelay(true);
                server.setTcpNoDelay(true);
                Connection connection = new Connection(service, server);
                daemon("slow-link-requests", connection::requests).start();
                daemon("slow-link-answers", connection::answers).start();
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private static Thread daemon(String name, Runnable task) {
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        return thread;
    }

    /** One connection of the service's, relayed over one of its own to the server. */
    private final class Connection {

        private final Socket service;
        private final Socket server;

        /** Bytes read from the server and not yet passed on to the service. */
        private volatile int pending;

        Connection(Socket service, Socket server) {
            this.service = service;
            this.server = server;
        }

        /** The service's requests pass as they come; the service hanging up ends the connection. */
        void requests() {
            try (InputStream in = service.getInputStream(); OutputStream out = server.getOutputStream()) {
                in.transferTo(out);
            } catch (IOException e) {
                // reset by either side: the connection ends all the same
            } finally {
                if (pending > 0) {
                    dropped.incrementAndGet();
                }
                closeBoth();
            }
        }

        void answers() {
            byte[] buffer = new byte[8192];
            int headMatched = 0;
            boolean inBody = false;
            try (InputStream in = server.getInputStream(); OutputStream out = service.getOutputStream()) {
                for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                    for (int i = 0; i < n; i++) {
                        pending = n - i;
                        Pace now = pace;
                        if (now == Pace.FULL) {
                            out.write(buffer, i, n - i);
                            break;
                        }
                        out.write(buffer[i]);
                        out.flush();
                        if (now == Pace.ONE_BYTE_A_SECOND || inBody) {
                            Thread.sleep(1000);
                        }
                        headMatched = buffer[i] == END_OF_HEAD[headMatched] ? headMatched + 1
                                : buffer[i] == END_OF_HEAD[0] ? 1 : 0;
                        if (headMatched == END_OF_HEAD.length) {
                            inBody = true;
                            headMatched = 0;
                        }
                    }
                    pending = 0;
                }
            } catch (IOException e) {
                // the service hung up: requests() counts it
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                closeBoth();
            }
        }

        private void closeBoth() {
            close(service);
            close(server);
        }
    }

    private static void close(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    @Override
    public void close() {
        try {
            listener.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
