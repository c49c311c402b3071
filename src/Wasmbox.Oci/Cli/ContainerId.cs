using System.Text.RegularExpressions;

namespace Wasmbox.Oci.Cli;

/// <summary>Container ids as runc accepts them: letters, digits, <c>_ + - .</c>; never <c>.</c> or <c>..</c>.</summary>
/// <remarks>Why check: the id names a folder under <c>--root</c>, so <c>../x</c> would reach outside it.</remarks>
internal static partial class ContainerId
{
    [GeneratedRegex(@"^[\w+\-.]+$")]
    private static partial Regex Valid();

    public static string Check(string id) =>
        Valid().IsMatch(id) && id is not "." and not ".." && id.Length <= 1024
            ? id
            : throw new OciException($"invalid container id '{id}'; use letters, digits and _ + - . only");
}
