import com.sun.net.httpserver.HttpServer;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.LocalTime;

/**
 * A stand-in application service for trying the service out: prints every transaction it is sent
 * and answers 200 {}. Run through bin/echo-appservice [port].
 */
public class EchoAppService {

    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 9000;
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        server.createContext("/", exchange -> {
            try (exchange; InputStream in = exchange.getRequestBody()) {
                String body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                System.out.println(LocalTime.now() + " " + exchange.getRequestMethod() + " "
                        + exchange.getRequestURI() + "\n" + body);
                byte[] ok = "{}".getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, ok.length);
                exchange.getResponseBody().write(ok);
            }
        });
        server.start();
        System.out.println("application service listening on http://127.0.0.1:" + port);
    }
}
