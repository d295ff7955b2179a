package appservice.delivery.registrations;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.stream.Stream;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Loads application-service registration files (Synapse's {@code app_service_config_files}) and rejects
 * anything Synapse would reject, naming the file and the problem. No message ever contains a token.
 */
public final class RegistrationFiles {

    // What Synapse's urllib.parse.quote leaves as it is: it refuses a sender_localpart with anything else.
    private static final Pattern LOCALPART = Pattern.compile("[A-Za-z0-9._~/-]+");

    private RegistrationFiles() {
    }

    /**
     * Loads a directory (every {@code *.yaml} and {@code *.yml} in it, by file name) or a comma-separated
     * list of files; a blank setting means no application services.
     */
    public static List<AppService> load(String setting) {
        List<AppService> services = new ArrayList<>();
        Map<String, AppService> byId = new HashMap<>();
        Map<String, AppService> byAsToken = new HashMap<>();
        for (Path file : files(setting)) {
            AppService service = parse(file);
            AppService sameId = byId.putIfAbsent(service.id(), service);
            if (sameId != null) {
                throw new InvalidRegistrationException(service.source(),
                        "id '" + service.id() + "' is already used by " + sameId.source());
            }
            AppService sameToken = byAsToken.putIfAbsent(service.asToken(), service);
            if (sameToken != null) {
                throw new InvalidRegistrationException(service.source(), "'as_token' of '" + service.id()
                        + "' is the same as that of '" + sameToken.id() + "' in " + sameToken.source());
            }
            services.add(service);
        }
        return List.copyOf(services);
    }

    private static List<Path> files(String setting) {
        if (setting == null || setting.isBlank()) {
            return List.of();
        }
        Path single = Path.of(setting.trim());
        if (Files.isDirectory(single)) {
            return yamlFilesIn(single);
        }
        List<Path> files = new ArrayList<>();
        for (String entry : setting.split(",")) {
            if (entry.isBlank()) {
                continue;
            }
            Path file = Path.of(entry.trim());
            if (!Files.exists(file)) {
                throw new InvalidRegistrationException(file.toString(), "no such file or directory");
            }
            files.add(file);
        }
        return files;
    }

    private static List<Path> yamlFilesIn(Path directory) {
        List<Path> files;
        try (Stream<Path> entries = Files.list(directory)) {
            files = entries
                    .filter(p -> p.getFileName().toString().endsWith(".yaml")
                            || p.getFileName().toString().endsWith(".yml"))
                    .filter(p -> Files.isRegularFile(p) || Files.isSymbolicLink(p) && !Files.exists(p))
                    .sorted(Comparator.comparing(p -> p.getFileName().toString()))
                    .toList();
        } catch (IOException e) {
            throw new InvalidRegistrationException(directory.toString(), "cannot be listed: " + describe(e), e);
        }
        // A registration linked from where its bridge writes it must not be skipped silently while the link is broken.
        for (Path file : files) {
            if (!Files.exists(file)) {
                throw new InvalidRegistrationException(file.toString(),
                        "is a symbolic link to a file that does not exist");
            }
        }
        return files;
    }

    private static AppService parse(Path file) {
        String source = file.toString();
        Object document = readYaml(file, source);
        if (!(document instanceof Map<?, ?> top)) {
            throw new InvalidRegistrationException(source,
                    "the top level must be a mapping, found " + kind(document));
        }
        Fields fields = new Fields(source, top);
        String id = fields.requiredString("id");
        String url = url(fields, source);
        String asToken = fields.requiredString("as_token");
        String hsToken = fields.requiredString("hs_token");
        String senderLocalpart = fields.requiredString("sender_localpart");
        if (!LOCALPART.matcher(senderLocalpart).matches()) {
            // Most often a whole user id ("@bot:example.org"), which would make the bot "@@bot:example.org:example.org".
            throw new InvalidRegistrationException(source, "'sender_localpart' must be the localpart of the bot's"
                    + " user id only (letters, digits and . _ - ~ /), without '@' or ':server'");
        }

        Object namespacesValue = top.get("namespaces");
        Map<?, ?> namespaces = Map.of();
        if (namespacesValue instanceof Map<?, ?> map) {
            namespaces = map;
        } else if (namespacesValue != null) {
            throw new InvalidRegistrationException(source,
                    "'namespaces' must be a mapping, found " + kind(namespacesValue));
        }
        List<Namespace> users = namespaceList(source, namespaces, "users");
        List<Namespace> aliases = namespaceList(source, namespaces, "aliases");
        List<Namespace> rooms = namespaceList(source, namespaces, "rooms");

        boolean rateLimited = fields.optionalBoolean("rate_limited", true);
        boolean receiveEphemeral = fields.optionalBoolean("receive_ephemeral", false);
        boolean pushEphemeralUnstable = fields.optionalBoolean("de.sorunome.msc2409.push_ephemeral", false);
        boolean msc3202 = fields.optionalBoolean("org.matrix.msc3202", false);
        List<String> protocols = protocols(source, top.get("protocols"));

        return new AppService(id, url, asToken, hsToken, senderLocalpart, users, aliases, rooms,
                rateLimited, protocols, receiveEphemeral, pushEphemeralUnstable, msc3202, source);
    }

    private static Object readYaml(Path file, String source) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new InvalidRegistrationException(source, "cannot be read: " + describe(e), e);
        }
        try {
            return new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
        } catch (MarkedYAMLException e) {
            // Only the problem and its position: the exception's own message quotes the offending line,
            // which may hold a token. For the same reason the exception is not kept as the cause.
            throw new InvalidRegistrationException(source, "not valid YAML: " + e.getProblem() + at(e.getProblemMark()));
        } catch (YAMLException e) {
            throw new InvalidRegistrationException(source, "not valid YAML: " + e.getMessage());
        }
    }

    private static String at(Mark mark) {
        return mark == null ? "" : " (line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1) + ")";
    }

    private static String url(Fields fields, String source) {
        if (!fields.map.containsKey("url")) {
            throw new InvalidRegistrationException(source,
                    "'url' is missing (use 'url: null' if nothing is to be pushed)");
        }
        Object value = fields.map.get("url");
        if (value == null) {
            return null;
        }
        if (!(value instanceof String url)) {
            throw new InvalidRegistrationException(source, "'url' must be a string or null, found " + kind(value));
        }
        if (!isAbsoluteHttpUrl(url)) {
            throw new InvalidRegistrationException(source, "'url' must be an absolute http or https URL");
        }
        return url;
    }

    private static boolean isAbsoluteHttpUrl(String url) {
        try {
            URI uri = new URI(url);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            // Authority rather than host: container names such as "my_bridge" are not RFC hosts, yet they work.
            return (scheme.equals("http") || scheme.equals("https"))
                    && uri.getRawAuthority() != null && !uri.getRawAuthority().isEmpty();
        } catch (URISyntaxException e) {
            return false;
        }
    }

    private static List<Namespace> namespaceList(String source, Map<?, ?> namespaces, String key) {
        Object value = namespaces.get(key);
        if (value == null) {
            return List.of();
        }
        String name = "namespaces." + key;
        if (!(value instanceof List<?> entries)) {
            throw new InvalidRegistrationException(source, "'" + name + "' must be a list, found " + kind(value));
        }
        List<Namespace> result = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            String entryName = name + "[" + i + "]";
            if (!(entries.get(i) instanceof Map<?, ?> entry)) {
                throw new InvalidRegistrationException(source,
                        "'" + entryName + "' must be a mapping with 'regex' and 'exclusive', found " + kind(entries.get(i)));
            }
            if (!(entry.get("regex") instanceof String regex)) {
                throw new InvalidRegistrationException(source, "'" + entryName + ".regex' "
                        + (entry.containsKey("regex") ? "must be a string, found " + kind(entry.get("regex")) : "is missing"));
            }
            Pattern pattern;
            try {
                pattern = Pattern.compile(regex);
            } catch (PatternSyntaxException e) {
                throw new InvalidRegistrationException(source,
                        "'" + entryName + ".regex' is not a valid regular expression: " + e.getDescription(), e);
            }
            if (!(entry.get("exclusive") instanceof Boolean exclusive)) {
                throw new InvalidRegistrationException(source, "'" + entryName + ".exclusive' "
                        + (entry.containsKey("exclusive") ? "must be true or false, found " + kind(entry.get("exclusive")) : "is missing"));
            }
            result.add(new Namespace(pattern, exclusive));
        }
        return result;
    }

    private static List<String> protocols(String source, Object value) {
        if (value == null) {
            return List.of();
        }
        if (value instanceof List<?> list && list.stream().allMatch(String.class::isInstance)) {
            return list.stream().map(String.class::cast).toList();
        }
        throw new InvalidRegistrationException(source, "'protocols' must be a list of strings");
    }

    private static String describe(IOException e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof NoSuchFileException) {
            return "no such file or directory";
        }
        if (e instanceof CharacterCodingException) {
            return "not UTF-8 text";
        }
        if (e instanceof FileSystemException fse && fse.getReason() != null) {
            return fse.getReason();
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    // Names the YAML type only: a value in the wrong place may still be a secret.
    private static String kind(Object value) {
        if (value == null) {
            return "nothing";
        }
        if (value instanceof String) {
            return "a string";
        }
        if (value instanceof Boolean) {
            return "a boolean";
        }
        if (value instanceof Number) {
            return "a number";
        }
        if (value instanceof Map) {
            return "a mapping";
        }
        if (value instanceof List) {
            return "a list";
        }
        return "a " + value.getClass().getSimpleName();
    }

    private record Fields(String source, Map<?, ?> map) {

        String requiredString(String key) {
            Object value = map.get(key);
            if (value instanceof String s && !s.isEmpty()) {
                return s;
            }
            String problem = !map.containsKey(key) ? "is missing"
                    : value instanceof String ? "must not be empty"
                    : "must be a string, found " + kind(value);
            throw new InvalidRegistrationException(source, "'" + key + "' " + problem);
        }

        boolean optionalBoolean(String key, boolean absent) {
            Object value = map.get(key);
            if (value == null) {
                return absent;
            }
            if (value instanceof Boolean b) {
                return b;
            }
            throw new InvalidRegistrationException(source, "'" + key + "' must be true or false, found " + kind(value));
        }
    }
}
