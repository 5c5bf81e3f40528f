"A scrape's manifest killed with SIGKILL at any moment loses nothing it had acknowledged."
import signal, subprocess, sys, textwrap, time

from artcolor.manifest import ManifestJournal

CHILD = textwrap.dedent("""
    import sys
    from artcolor.manifest import ManifestJournal
    j = ManifestJournal(sys.argv[1])
    for b in range(100000):
        j.save([{'color': 'RED', 'page_url': f'u{b}-{i}', 'image_url': f'i{b}-{i}', 'title': 'x' * 200} for i in range(50)])
        print(b, flush=True)                 # acknowledged: this batch is on disk
""")


def test_sigkill_at_any_moment_loses_no_saved_batch(tmp_path):
    path = tmp_path / 'pictures.csv'
    for kill_after in (0.0, 0.13, 0.41):                # after the first acknowledged batch: mid-write, most likely
        proc = subprocess.Popen([sys.executable, '-c', CHILD, str(path)], stdout=subprocess.PIPE, text=True)
        first = proc.stdout.readline()                   # the child is up and saving (imports take a while under load)
        time.sleep(kill_after)
        proc.send_signal(signal.SIGKILL); out, _ = proc.communicate()
        acked = [int(x) for x in (first + out).split()]
        j = ManifestJournal(path)
        keys = {k[1] for k in j.rows}
        assert acked, 'the child saved nothing before it was killed'
        assert all(f'u{b}-{i}' in keys for b in acked for i in range(50))       # every acknowledged batch survived
        j.export()                                                             # the next run writes pictures.csv and goes on
        assert not j.journal.exists() and len(ManifestJournal(path).rows) == len(j.rows)
