# bad-input - brkvm rejects bad command lines and unusable files with exit code 2 and a
# non-empty one-line message on stderr, before running anything.
# timeout: 90
. /scenarios/lib.sh
H=$GUESTS/hello.bin
cd /tmp || exit 1
: > empty.bin
gzip -c $H > hello.bin.gz
mkdir -p adir
# an x86_64 ELF header: 7f 'E' 'L' 'F', ELFCLASS64, LSB, EV_CURRENT, ET_EXEC, EM_X86_64 (62)
printf '\177ELF\002\001\001\000\000\000\000\000\000\000\000\000\002\000\076\000\001\000\000\000' > x86.elf
dd if=/dev/zero of=x86.elf bs=1 count=0 seek=4096 2>/dev/null
dd if=/dev/zero of=big.initrd bs=1M count=40 2>/dev/null

nfail=0 n=0
# case DESCRIPTION WORD ARGS...: brkvm ARGS must exit 2 with a message on stderr; WORD is a
# case-insensitive grep -E pattern that the message must contain ('' = any)
case_() {
    desc=$1 word=$2; shift 2
    n=$((n + 1))
    brkvm "$@" >stdout.txt 2>stderr.txt </dev/null
    rc=$?
    msg=$(head -n3 stderr.txt | tr '\n' ' ')
    if [ $rc != 2 ]; then
        echo "BAD-INPUT FAIL $desc: exit $rc (want 2): $msg"; nfail=$((nfail + 1)); failed="$failed, $desc"
    elif [ -z "$msg" ]; then
        echo "BAD-INPUT FAIL $desc: exit 2 but nothing on stderr"; nfail=$((nfail + 1)); failed="$failed, $desc"
    elif [ -n "$word" ] && ! grep -q -i -E "$word" stderr.txt; then
        echo "BAD-INPUT FAIL $desc: message does not mention /$word/: $msg"; nfail=$((nfail + 1)); failed="$failed, $desc"
    else
        echo "BAD-INPUT ok   $desc: $msg"
    fi
}
case_ "no --kernel"          'kernel'            run
case_ "missing kernel file"  'nonexistent|no such|not found|exist' run -k /nonexistent/Image
case_ "kernel is a directory" 'director|adir|regular|read' run -k /tmp/adir
case_ "empty kernel file"    'empty|small|short|size|empty.bin' run -k /tmp/empty.bin
case_ "gzip kernel"          'gzip|compress|format|image|elf|recogni' run -k /tmp/hello.bin.gz
case_ "x86_64 ELF"           'elf|machine|arch|aarch64|arm64|x86' run -k /tmp/x86.elf
case_ "--mem 1M"             'mem|small|1M'      run -k $H --mem 1M
case_ "--mem 100T"           'mem|large|big|100T|exceed' run -k $H --mem 100T
case_ "--cpus 0"             'cpu'               run -k $H --cpus 0
case_ "--cpus 1000"          'cpu'               run -k $H --cpus 1000
case_ "initrd too big"       'initrd|fit|large|big|mem' run -k $H -m 32M -i /tmp/big.initrd
case_ "unknown flag"         'bogus|unknown|unrecogni|option' run -k $H --bogus
rm -f big.initrd
[ $nfail = 0 ] || fail "$nfail of $n bad inputs not rejected properly:${failed#,}"
ok "all $n bad inputs rejected with exit 2 and a message"
