namespace Atlas.Api.Signing;

/// <summary><c>init --roots N --threshold T --root-keys DIR</c>: N root keys written to DIR, to be held offline, and
/// the number of them that must sign every later keyset version.</summary>
public sealed record OfflineRoots(int Count, int Threshold, string Dir);
