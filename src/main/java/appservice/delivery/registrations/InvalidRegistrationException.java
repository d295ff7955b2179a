package appservice.delivery.registrations;

/** A registration file, or the setting naming them, that cannot be used; the message names the file and the problem. */
public class InvalidRegistrationException extends RuntimeException {

    private final String file;
    private final String problem;

    public InvalidRegistrationException(String file, String problem) {
        this(file, problem, null);
    }

    public InvalidRegistrationException(String file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
        this.problem = problem;
    }

    public String file() {
        return file;
    }

    public String problem() {
        return problem;
    }
}
