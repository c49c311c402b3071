using Wasmbox.Programs.Tests.Corpus;
using Wasmbox.Programs.Tests.Differential;

namespace Wasmbox.Programs.Tests;

/// <summary>Flite, CMU's speech synthesizer in C: text from a read-only grant to a WAV file in a writable one.</summary>
public class FliteTests(ProgramCorpus corpus, DifferentialRuns runs) : IClassFixture<DifferentialRuns>
{
    public static readonly ProgramCase[] Cases =
    [
        // The default voice (kal, diphones): numbers, times, abbreviations and dates normalised, then synthesised.
        new("text-to-wav", ["-f", "/in/notice.txt", "/out/notice.wav"])
        {
            Inputs = "speech",
            Grants = [Grant.Ro("in", "/in"), Grant.Rw("out", "/out")],
            Writes = "out/notice.wav",
        },
        // The clustergen voice slt, slowed down through a feature: a different synthesis path and more arithmetic.
        new("slt-voice", ["-voice", "slt", "--setf", "duration_stretch=1.2", "-f", "/in/notice.txt", "-o", "/out/slt.wav"])
        {
            Inputs = "speech",
            Grants = [Grant.Ro("in", "/in"), Grant.Rw("out", "/out")],
            Writes = "out/slt.wav",
        },
        // Segments with their end times on stdout, the waveform discarded.
        new("segment-timings", ["-psdur", "-t", "Wasmbox ran 3 programs on the 2nd of May.", "none"])
        {
            Shows = "pau:",
        },
    ];

    public static TheoryData<string, string> Runs => DifferentialRuns.Matrix(Cases);

    [Theory]
    [MemberData(nameof(Runs))]
    public Task Flite_Case_SameBytesAsWasmtime(string @case, string tier) =>
        runs.AssertSameAsOracleAsync(corpus.Module("flite"), "flite", Cases.Single(c => c.Name == @case), tier, TestContext.Current.CancellationToken);
}
