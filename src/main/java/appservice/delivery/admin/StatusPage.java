package appservice.delivery.admin;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * {@code GET /status}: the status page, one static file whose script reads the admin API with the
 * token the operator types in (kept for the tab's session only).
 */
@Path("status")
@ApplicationScoped
public class StatusPage {

    @GET
    @Produces(MediaType.TEXT_HTML + ";charset=utf-8")
    public InputStream page() {
        InputStream page = StatusPage.class.getResourceAsStream("/status/index.html");
        if (page == null) {
            throw new UncheckedIOException(new IOException("status/index.html is missing from the build"));
        }
        return page;
    }
}
