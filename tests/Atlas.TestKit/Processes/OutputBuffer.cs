using System.Text;

namespace Atlas.TestKit.Processes;

/// <summary>A thread-safe ring buffer of the most recent output lines of a process.</summary>
public sealed class OutputBuffer(int capacity)
{
    private readonly Lock _gate = new();
    private readonly Queue<string> _lines = new();
    private long _dropped;

    public int Capacity { get; } = capacity > 0 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity));

    public long DroppedLines
    {
        get
        {
            lock (_gate)
            {
                return _dropped;
            }
        }
    }

    public void Add(string line)
    {
        lock (_gate)
        {
            if (_lines.Count == Capacity)
            {
                _lines.Dequeue();
                _dropped++;
            }

            _lines.Enqueue(line);
        }
    }

    public IReadOnlyList<string> Snapshot()
    {
        lock (_gate)
        {
            return [.. _lines];
        }
    }

    public bool Contains(string text)
    {
        lock (_gate)
        {
            return _lines.Any(l => l.Contains(text, StringComparison.Ordinal));
        }
    }

    public override string ToString()
    {
        lock (_gate)
        {
            var sb = new StringBuilder();
            if (_dropped > 0)
            {
                sb.Append("… (").Append(_dropped).AppendLine(" earlier lines dropped)");
            }

            foreach (var line in _lines)
            {
                sb.AppendLine(line);
            }

            return sb.ToString();
        }
    }
}
