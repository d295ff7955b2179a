package appservice.delivery.admin;

import appservice.delivery.Tokens;
import jakarta.inject.Inject;
import jakarta.json.Json;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.Provider;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The admin API exists only when {@code delivery.admin.token} is set (404 otherwise), and every call
 * needs {@code Authorization: Bearer <that token>}: 401 without it, 403 with another one.
 */
@Provider
@AdminOnly
public class AdminAuthorization implements ContainerRequestFilter {

    @Inject
    @ConfigProperty(name = "delivery.admin.token")
    Optional<String> token;

    @Override
    public void filter(ContainerRequestContext request) {
        if (token.isEmpty() || token.get().isBlank()) {
            request.abortWith(error(Response.Status.NOT_FOUND, "M_NOT_FOUND",
                    "The admin API is off: set delivery.admin.token to turn it on"));
            return;
        }
        String authorization = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        if (authorization == null || authorization.isBlank()) {
            request.abortWith(Response.fromResponse(error(Response.Status.UNAUTHORIZED, "M_MISSING_TOKEN",
                    "Authorization: Bearer <admin token> is required")).header(HttpHeaders.WWW_AUTHENTICATE, "Bearer").build());
        } else if (!Tokens.bearerMatches(authorization, token.get())) {
            request.abortWith(error(Response.Status.FORBIDDEN, "M_FORBIDDEN", "Wrong admin token"));
        }
    }

    static Response error(Response.Status status, String errcode, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE)
                .entity(Json.createObjectBuilder().add("errcode", errcode).add("error", message).build().toString())
                .build();
    }
}
