package dev.dotgate.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code dotgate}: the command line. */
@Command(name = "dotgate", mixinStandardHelpOptions = true, versionProvider = VersionCommand.Provider.class,
        description = "DNS privacy gateway: plain DNS, DNS-over-TLS and DNS-over-HTTPS in; pipelined DNS-over-TLS "
                + "(or plain DNS over UDP/TCP) out.",
        subcommands = {RunCommand.class, CheckConfigCommand.class, SetupPhoneCommand.class,
                VersionCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a command: run, check-config, setup-phone or version (dotgate help COMMAND tells more)");
    }

    /** Runs the command line and returns the exit code (0 ok, 1 runtime failure, 2 usage or config error). */
    public static int execute(String... args) {
        return commandLine().execute(args);
    }

    /** The configured picocli command line; tests set its out and err writers. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true);
        SettingOptions.addTo(cl.getSubcommands().get("run").getCommandSpec(), java.util.Set.of());
        SettingOptions.addTo(cl.getSubcommands().get("setup-phone").getCommandSpec(), SetupPhoneCommand.SETTINGS);
        return cl;
    }

    public static void main(String[] args) {
        DirectMemory.prepare();
        AsyncPool.prepare();
        System.exit(execute(args));
    }
}
