package appservice.delivery.registrations;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegistrationFilesTest {

    private static final String FULL = """
            id: irc
            url: "http://127.0.0.1:9999"
            as_token: as-SECRET-irc
            hs_token: hs-SECRET-irc
            sender_localpart: _irc_bot
            rate_limited: false
            receive_ephemeral: true
            protocols: ["irc", "ircv3"]
            de.sorunome.msc2409.push_ephemeral: true
            namespaces:
              users:
                - exclusive: true
                  regex: "@_irc_.*:example\\\\.org"
                - exclusive: false
                  regex: "@_ircbot:example\\\\.org"
              aliases:
                - exclusive: false
                  regex: "#_irc_.*"
              rooms: []
            """;

    @TempDir
    Path dir;

    @Test
    void readsAFullSynapseStyleRegistration() throws IOException {
        Path file = write("irc.yaml", FULL);

        List<AppService> services = RegistrationFiles.load(file.toString());

        assertEquals(1, services.size());
        AppService irc = services.get(0);
        assertEquals("irc", irc.id());
        assertEquals("http://127.0.0.1:9999", irc.url());
        assertTrue(irc.pushes());
        assertEquals("as-SECRET-irc", irc.asToken());
        assertEquals("hs-SECRET-irc", irc.hsToken());
        assertEquals("_irc_bot", irc.senderLocalpart());
        assertEquals("@_irc_bot:example.org", irc.senderUserId("example.org"));
        assertFalse(irc.rateLimited());
        assertTrue(irc.receiveEphemeral());
        assertTrue(irc.pushEphemeralUnstable());
        assertTrue(irc.wantsEphemeral());
        assertFalse(irc.msc3202());
        assertEquals(List.of("irc", "ircv3"), irc.protocols());
        assertEquals(file.toString(), irc.source());

        assertEquals(2, irc.users().size());
        assertEquals("@_irc_.*:example\\.org", irc.users().get(0).regex().pattern());
        assertTrue(irc.users().get(0).exclusive());
        assertFalse(irc.users().get(1).exclusive());
        assertTrue(irc.users().get(0).matches("@_irc_alice:example.org"));
        assertEquals(1, irc.aliases().size());
        assertEquals(List.of(), irc.rooms());
    }

    @Test
    void appliesSynapseDefaultsToOptionalKeys() throws IOException {
        Path file = write("min.yaml", minimal("min", "as-SECRET-min"));

        AppService min = RegistrationFiles.load(file.toString()).get(0);

        assertTrue(min.rateLimited());
        assertFalse(min.receiveEphemeral());
        assertFalse(min.pushEphemeralUnstable());
        assertFalse(min.wantsEphemeral());
        assertFalse(min.msc3202());
        assertEquals(List.of(), min.protocols());
        assertEquals(List.of(), min.users());
        assertEquals(List.of(), min.aliases());
        assertEquals(List.of(), min.rooms());
    }

    @Test
    void readsTheUnstableFlags() throws IOException {
        Path unstable = write("unstable.yaml", with("de.sorunome.msc2409.push_ephemeral: true"));
        Path msc3202 = write("msc3202.yaml", minimal("devices", "as-SECRET-devices") + "org.matrix.msc3202: true\n");
        Path stable = write("stable.yaml", minimal("stable", "as-SECRET-stable") + "receive_ephemeral: true\n"
                + "de.sorunome.msc2409.push_ephemeral: false\norg.matrix.msc3202: false\n");

        List<AppService> services = RegistrationFiles.load(unstable + "," + msc3202 + "," + stable);

        AppService first = services.get(0);
        assertFalse(first.receiveEphemeral());
        assertTrue(first.pushEphemeralUnstable());
        assertTrue(first.wantsEphemeral(), "the unstable flag alone asks for ephemeral data");
        assertFalse(first.msc3202());
        AppService second = services.get(1);
        assertTrue(second.msc3202());
        assertFalse(second.wantsEphemeral(), "MSC3202 does not ask for ephemeral data");
        AppService third = services.get(2);
        assertTrue(third.wantsEphemeral());
        assertFalse(third.pushEphemeralUnstable());
        assertFalse(third.msc3202());
    }

    @Test
    void acceptsNullUrlAsNothingToPush() throws IOException {
        Path file = write("nopush.yaml", minimal("nopush", "as-SECRET-1").replace("url: \"http://localhost:8009\"", "url: null"));

        AppService service = RegistrationFiles.load(file.toString()).get(0);

        assertNull(service.url());
        assertFalse(service.pushes());
    }

    @Test
    void acceptsNullNamespacesAndNullLists() throws IOException {
        Path file = write("n.yaml", minimal("n", "as-SECRET-1") + "namespaces:\n  users: null\n  rooms:\n");

        AppService service = RegistrationFiles.load(file.toString()).get(0);

        assertEquals(List.of(), service.users());
        assertEquals(List.of(), service.rooms());
    }

    @Test
    void ignoresUnknownKeys() throws IOException {
        Path file = write("extra.yaml", minimal("extra", "as-SECRET-1")
                + "org.matrix.msc3202: true\nsomething_new: {nested: [1, 2]}\n"
                + "namespaces:\n  users: [{regex: '@x_', exclusive: true, priority: 3}]\n  other: 5\n");

        AppService service = RegistrationFiles.load(file.toString()).get(0);

        assertEquals("extra", service.id());
        assertEquals(1, service.users().size());
    }

    @Test
    void loadsEveryYamlFileOfADirectorySortedByName() throws IOException {
        write("b.yaml", minimal("b", "as-SECRET-b"));
        write("a.yml", minimal("a", "as-SECRET-a"));
        write("c.yaml", minimal("c", "as-SECRET-c"));
        write("notes.txt", "not: [a registration");
        write("d.yaml.bak", "broken: [");
        Files.createDirectory(dir.resolve("sub.yaml"));
        Files.createDirectory(dir.resolve("nested"));
        write("nested/e.yaml", minimal("e", "as-SECRET-e"));

        List<AppService> services = RegistrationFiles.load(dir.toString());

        assertEquals(List.of("a", "b", "c"), services.stream().map(AppService::id).toList());
        assertEquals(dir.resolve("a.yml").toString(), services.get(0).source());
    }

    @Test
    void anEmptyDirectoryMeansNoApplicationServices() {
        assertEquals(List.of(), RegistrationFiles.load(dir.toString()));
    }

    @Test
    void loadsACommaSeparatedListInItsOrder() throws IOException {
        Path b = write("b.yaml", minimal("b", "as-SECRET-b"));
        Path a = write("a.yaml", minimal("a", "as-SECRET-a"));

        List<AppService> services = RegistrationFiles.load(" " + b + " , ," + a + ",");

        assertEquals(List.of("b", "a"), services.stream().map(AppService::id).toList());
    }

    @Test
    void readsRegistrationsLinkedIntoTheDirectory() throws IOException {
        Path elsewhere = Files.createDirectory(dir.resolve("bridges"));
        Path target = Files.writeString(elsewhere.resolve("registration.yaml"), minimal("linked", "as-SECRET-l"));
        Path registrations = Files.createDirectory(dir.resolve("appservices"));
        Files.createSymbolicLink(registrations.resolve("linked.yaml"), target);
        Files.createSymbolicLink(registrations.resolve("folder.yaml"), elsewhere);

        List<AppService> services = RegistrationFiles.load(registrations.toString());

        assertEquals(List.of("linked"), services.stream().map(AppService::id).toList());
    }

    @Test
    void rejectsALinkToARegistrationThatDoesNotExist() throws IOException {
        write("a.yaml", minimal("a", "as-SECRET-a"));
        Path link = Files.createSymbolicLink(dir.resolve("telegram.yaml"), dir.resolve("not-yet-generated.yaml"));

        InvalidRegistrationException e = assertThrows(InvalidRegistrationException.class,
                () -> RegistrationFiles.load(dir.toString()));

        assertEquals(link + ": is a symbolic link to a file that does not exist", e.getMessage());
    }

    @Test
    void rejectsASettingThatNamesNothing() {
        String missing = dir.resolve("appservices").toString();

        InvalidRegistrationException e = assertThrows(InvalidRegistrationException.class,
                () -> RegistrationFiles.load(missing));

        assertEquals(missing + ": no such file or directory", e.getMessage());
    }

    @Test
    void rejectsAMissingFileInTheList() throws IOException {
        Path a = write("a.yaml", minimal("a", "as-SECRET-a"));
        String missing = dir.resolve("gone.yaml").toString();

        InvalidRegistrationException e = assertThrows(InvalidRegistrationException.class,
                () -> RegistrationFiles.load(a + "," + missing));

        assertEquals(missing + ": no such file or directory", e.getMessage());
    }

    @Test
    void rejectsAFileThatCannotBeRead() throws IOException {
        Path a = write("a.yaml", minimal("a", "as-SECRET-a"));
        Path sub = Files.createDirectory(dir.resolve("sub"));

        InvalidRegistrationException e = assertThrows(InvalidRegistrationException.class,
                () -> RegistrationFiles.load(a + "," + sub));

        assertTrue(e.getMessage().startsWith(sub + ": cannot be read"), e.getMessage());
    }

    @Test
    void rejectsAFileWithoutReadPermission() throws IOException {
        assumeFalse("root".equals(System.getProperty("user.name")), "root reads any file");
        Path file = write("locked.yaml", minimal("locked", "as-SECRET-1"));
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("---------"));

        InvalidRegistrationException e = assertThrows(InvalidRegistrationException.class,
                () -> RegistrationFiles.load(file.toString()));

        assertEquals(file + ": cannot be read: permission denied", e.getMessage());
    }

    @Test
    void rejectsSomethingThatIsNotYaml() throws IOException {
        rejects("id: irc\nurl: [unclosed\nas_token: x\n", "not valid YAML");
    }

    @Test
    void neverQuotesTheLineOfAYamlErrorBecauseItMayHoldAToken() throws IOException {
        Path file = write("bad.yaml", "id: irc\nas_token: \"as-SECRET-quoted\nhs_token: hs-SECRET-2\n");

        InvalidRegistrationException e = assertThrows(InvalidRegistrationException.class,
                () -> RegistrationFiles.load(file.toString()));

        assertTrue(e.getMessage().startsWith(file + ": not valid YAML: "), e.getMessage());
        assertTrue(e.getMessage().contains("line "), e.getMessage());
        assertNoSecret(e);
    }

    @Test
    void rejectsATopLevelThatIsNotAMapping() throws IOException {
        rejects("- id: irc\n- url: null\n", "the top level must be a mapping, found a list");
        rejects("", "the top level must be a mapping, found nothing");
    }

    @Test
    void rejectsABadId() throws IOException {
        rejects(without("id"), "'id' is missing");
        rejects(with("id: 42"), "'id' must be a string, found a number");
        rejects(with("id: \"\""), "'id' must not be empty");
    }

    @Test
    void rejectsABadUrl() throws IOException {
        rejects(without("url"), "'url' is missing");
        rejects(with("url: 8009"), "'url' must be a string or null, found a number");
        rejects(with("url: localhost:8009"), "'url' must be an absolute http or https URL");
        rejects(with("url: /bridge"), "'url' must be an absolute http or https URL");
        rejects(with("url: ftp://bridge.example.org"), "'url' must be an absolute http or https URL");
        rejects(with("url: \"http://bad host\""), "'url' must be an absolute http or https URL");
    }

    @Test
    void acceptsHttpsAndContainerNames() throws IOException {
        Path file = write("ok.yaml", with("url: https://my_bridge:29317/base"));

        assertEquals("https://my_bridge:29317/base", RegistrationFiles.load(file.toString()).get(0).url());
    }

    @Test
    void rejectsBadTokensAndLocalpart() throws IOException {
        rejects(without("as_token"), "'as_token' is missing");
        rejects(with("as_token: 12345"), "'as_token' must be a string, found a number");
        rejects(without("hs_token"), "'hs_token' is missing");
        rejects(with("hs_token: [hs-SECRET-in-a-list]"), "'hs_token' must be a string, found a list");
        rejects(with("hs_token: \"\""), "'hs_token' must not be empty");
        rejects(without("sender_localpart"), "'sender_localpart' is missing");
        rejects(with("sender_localpart: true"), "'sender_localpart' must be a string, found a boolean");
    }

    @Test
    void rejectsASenderLocalpartThatSynapseRefuses() throws IOException {
        String problem = "'sender_localpart' must be the localpart of the bot's user id only";
        rejects(with("sender_localpart: '@bridgebot:example.org'"), problem);
        rejects(with("sender_localpart: '@bridgebot'"), problem);
        rejects(with("sender_localpart: 'bridgebot:example.org'"), problem);
        rejects(with("sender_localpart: 'bridge bot'"), problem);
        rejects(with("sender_localpart: 'bridgé'"), problem);
    }

    @Test
    void acceptsEveryLocalpartCharacterSynapseAccepts() throws IOException {
        Path file = write("ok.yaml", with("sender_localpart: _Bridge.bot-1~x/y"));

        assertEquals("@_Bridge.bot-1~x/y:example.org",
                RegistrationFiles.load(file.toString()).get(0).senderUserId("example.org"));
    }

    @Test
    void rejectsBadNamespaces() throws IOException {
        rejects(with("namespaces: [users]"), "'namespaces' must be a mapping, found a list");
        rejects(with("namespaces: {users: {regex: '@a', exclusive: true}}"),
                "'namespaces.users' must be a list, found a mapping");
        rejects(with("namespaces: {aliases: '#a'}"), "'namespaces.aliases' must be a list, found a string");
        rejects(with("namespaces: {rooms: ['!a']}"),
                "'namespaces.rooms[0]' must be a mapping with 'regex' and 'exclusive', found a string");
    }

    @Test
    void rejectsBadNamespaceEntries() throws IOException {
        rejects(with("namespaces: {users: [{regex: '@a_', exclusive: true}, {exclusive: true}]}"),
                "'namespaces.users[1].regex' is missing");
        rejects(with("namespaces: {users: [{regex: 5, exclusive: true}]}"),
                "'namespaces.users[0].regex' must be a string, found a number");
        rejects(with("namespaces: {aliases: [{regex: '#irc_[', exclusive: true}]}"),
                "'namespaces.aliases[0].regex' is not a valid regular expression: Unclosed character class");
        rejects(with("namespaces: {rooms: [{regex: '!a'}]}"), "'namespaces.rooms[0].exclusive' is missing");
        rejects(with("namespaces: {users: [{regex: '@a', exclusive: 'yes'}]}"),
                "'namespaces.users[0].exclusive' must be true or false, found a string");
    }

    @Test
    void rejectsBadOptionalFlags() throws IOException {
        rejects(with("rate_limited: 'no'"), "'rate_limited' must be true or false, found a string");
        rejects(with("receive_ephemeral: 1"), "'receive_ephemeral' must be true or false, found a number");
        rejects(with("de.sorunome.msc2409.push_ephemeral: 'true'"),
                "'de.sorunome.msc2409.push_ephemeral' must be true or false, found a string");
        rejects(with("org.matrix.msc3202: [true]"), "'org.matrix.msc3202' must be true or false, found a list");
        rejects(with("protocols: irc"), "'protocols' must be a list of strings");
        rejects(with("protocols: [irc, 7]"), "'protocols' must be a list of strings");
    }

    @Test
    void rejectsADuplicateIdNamingBothFiles() throws IOException {
        Path first = write("a.yaml", minimal("bridge", "as-SECRET-a"));
        Path second = write("b.yaml", minimal("bridge", "as-SECRET-b"));

        InvalidRegistrationException e = assertThrows(InvalidRegistrationException.class,
                () -> RegistrationFiles.load(dir.toString()));

        assertEquals(second + ": id 'bridge' is already used by " + first, e.getMessage());
    }

    @Test
    void rejectsADuplicateAsTokenNamingBothFilesButNotTheToken() throws IOException {
        Path first = write("a.yaml", minimal("whatsapp", "as-SECRET-shared"));
        Path second = write("b.yaml", minimal("signal", "as-SECRET-shared"));

        InvalidRegistrationException e = assertThrows(InvalidRegistrationException.class,
                () -> RegistrationFiles.load(first + "," + second));

        assertEquals(second + ": 'as_token' of 'signal' is the same as that of 'whatsapp' in " + first,
                e.getMessage());
        assertNoSecret(e);
    }

    @Test
    void neverShowsTokensWhenPrinted() throws IOException {
        Path file = write("irc.yaml", FULL);

        String printed = RegistrationFiles.load(file.toString()).get(0).toString();

        assertTrue(printed.contains("irc"), printed);
        assertFalse(printed.contains("SECRET"), printed);
    }

    private static String minimal(String id, String asToken) {
        return "id: " + id + "\n"
                + "url: \"http://localhost:8009\"\n"
                + "as_token: " + asToken + "\n"
                + "hs_token: hs-SECRET-" + id + "\n"
                + "sender_localpart: " + id + "bot\n";
    }

    /** The minimal registration with one top-level key replaced (or added). */
    private static String with(String line) {
        Map<String, String> lines = minimalLines();
        lines.put(line.substring(0, line.indexOf(':')), line);
        return String.join("\n", lines.values()) + "\n";
    }

    private static String without(String key) {
        Map<String, String> lines = minimalLines();
        lines.remove(key);
        return String.join("\n", lines.values()) + "\n";
    }

    private static Map<String, String> minimalLines() {
        Map<String, String> lines = new LinkedHashMap<>();
        for (String line : minimal("bridge", "as-SECRET-bridge").split("\n")) {
            lines.put(line.substring(0, line.indexOf(':')), line);
        }
        return lines;
    }

    private void rejects(String yaml, String problem) throws IOException {
        Path file = write("bridge.yaml", yaml);

        InvalidRegistrationException e = assertThrows(InvalidRegistrationException.class,
                () -> RegistrationFiles.load(file.toString()));

        assertTrue(e.getMessage().startsWith(file + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(problem), () -> "expected '" + problem + "' in: " + e.getMessage());
        assertNoSecret(e);
    }

    private static void assertNoSecret(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            assertFalse(String.valueOf(t.getMessage()).contains("SECRET"), t.getMessage());
        }
    }

    private Path write(String name, String content) throws IOException {
        Path file = dir.resolve(name);
        Files.createDirectories(file.getParent());
        return Files.writeString(file, content);
    }
}
