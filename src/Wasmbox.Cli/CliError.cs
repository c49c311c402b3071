namespace Wasmbox.Cli;

/// <summary>The one line Wasmbox prints when it cannot do what was asked: "wasmbox: what is wrong; what to do".</summary>
internal static class CliError
{
    /// <summary>Exit status when Wasmbox itself could not run the module (bad flag, policy, module): 125, as DESIGN.md §2 says.</summary>
    public const int SetupFailed = 125;

    public static int Print(TextWriter stderr, string message)
    {
        stderr.WriteLine("wasmbox: " + OneLine(message));
        return SetupFailed;
    }

    /// <summary>Keeps a message on one line whatever a library put into it.</summary>
    public static string OneLine(string message) =>
        string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
