package appservice.delivery.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.stream.Stream;

/**
 * The CPU time each part of an end-to-end run used, from the kernel's accounting: the service (its start
 * script and JVM, with the embedded broker), PostgreSQL (all its processes), this bench's JVM (publisher
 * and receivers), and how busy the whole machine was. Where the machine is busy all the time, these
 * shares are what bounds the throughput, not any one stage's own limit.
 */
record CpuUse(long serviceNanos, long databaseNanos, long benchNanos, long machineBusyTicks, long machineTicks) {

    static CpuUse now(Stream<ProcessHandle> service) {
        long[] machine = readMachineTicks();
        return new CpuUse(cpuNanos(service), cpuNanos(ProcessHandle.allProcesses().filter(CpuUse::isPostgres)),
                cpuNanos(Stream.of(ProcessHandle.current())), machine[0], machine[1]);
    }

    CpuUse since(CpuUse before) {
        return new CpuUse(serviceNanos - before.serviceNanos, databaseNanos - before.databaseNanos,
                benchNanos - before.benchNanos, machineBusyTicks - before.machineBusyTicks, machineTicks - before.machineTicks);
    }

    /** The share of all cores' time that was busy (0 to 1). */
    double machineBusy() {
        return machineTicks == 0 ? 0 : (double) machineBusyTicks / machineTicks;
    }

    /** Milliseconds of CPU per 1,000 events. */
    static double perThousand(long nanos, long events) {
        return nanos / 1e6 / events * 1000;
    }

    private static long cpuNanos(Stream<ProcessHandle> processes) {
        return processes.mapToLong(p -> p.info().totalCpuDuration().map(Duration::toNanos).orElse(0L)).sum();
    }

    private static boolean isPostgres(ProcessHandle process) {
        return process.info().command().map(c -> c.endsWith("/postgres") || c.equals("postgres")).orElse(false);
    }

    /** Busy and all ticks of all cores since boot, from the first line of /proc/stat (idle and iowait are not busy). */
    private static long[] readMachineTicks() {
        try {
            long[] fields = Arrays.stream(Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+"))
                    .skip(1).limit(8).mapToLong(Long::parseLong).toArray();
            long all = Arrays.stream(fields).sum();
            return new long[] {all - fields[3] - fields[4], all};
        } catch (IOException | RuntimeException e) {
            return new long[] {0, 0};
        }
    }
}
