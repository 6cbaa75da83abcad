/* SPDX-License-Identifier: MIT */
/*
 * tptrec.c - tpt's own Valgrind tool: records a program's accesses and the
 * OS events tpt simulates, into one binary log per program run (the
 * format is tptlog.h's). `tpt trace record` runs it (valgrind
 * --tool=tptrec with VALGRIND_LIB set to its directory) and merges the
 * logs with recording.c's scheduler, as it merges lackey's.
 *
 * It counts what the lackey log reader (lackey.c) counts, so a program
 * recorded either way gives the same trace: an access carries the
 * instructions executed since the record before it; a fetch at the
 * address of the instruction before, when that one accessed memory, is a
 * further iteration of a rep string instruction: no instruction, and its
 * accesses once per 64-byte line and direction. Every system call is a
 * kernel entry; successful mmap, munmap, mprotect and brk become records,
 * a file mapping preceded by its file (the id of the path its descriptor
 * was opened with); a fork, a blocking wait for a child and the region of
 * interest's markers (tpt/roi.h) become notes.
 *
 * Options: --tpt-log=PATH (%p is the pid; the log is created, never
 * truncated: when a name is taken, as by an exec before the recorder
 * renamed the log before it, the tool waits for it to be renamed),
 * --tpt-children=yes|no (a forked child writes a log of its own, or none),
 * --tpt-roi=yes|no (record the region markers).
 *
 * State is per process (a Valgrind tool has no other place for it) and
 * starts again in a forked child. Valgrind runs one thread at a time, so
 * the helpers need no locks.
 */
#include "pub_tool_basics.h"
#include "pub_tool_aspacemgr.h"
#include "pub_tool_clientstate.h"
#include "pub_tool_libcassert.h"
#include "pub_tool_libcbase.h"
#include "pub_tool_libcfile.h"
#include "pub_tool_libcprint.h"
#include "pub_tool_libcproc.h"
#include "pub_tool_machine.h"
#include "pub_tool_mallocfree.h"
#include "pub_tool_options.h"
#include "pub_tool_tooliface.h"
#include "pub_tool_vki.h"
#include "pub_tool_vkiscnums.h"

#include "tpt/workload/tptlog.h"

#define BUF_SIZE (1 << 20)
#define PAGE 4096
#define NFILES 1024 /* descriptors whose file is remembered, as the lackey reader */

static struct {
	const HChar *log_opt; /* --tpt-log, with %p */
	Bool children, roi;
	Int fd; /* -1: writing nothing (a silent child) */
	HChar path[4096];
	UChar buf[BUF_SIZE];
	UInt len;
	/* The instruction stream, as lackey.c's parser sees it. */
	ULong instrs;   /* executed since the last record */
	Addr iaddr;     /* the instruction fetched last */
	Bool iaccess;   /* it accessed memory */
	Bool rep;       /* the fetch was a further iteration of it */
	Addr lines[2];  /* the cache lines it loaded and stored last */
	Addr last_va;
	/* A system call whose result decides a record. */
	Bool pending;
	UInt files[NFILES];
	UInt opening; /* the id of the path an open in progress names */
} t;

/* ---- the log ------------------------------------------------------------ */

static void log_flush(void)
{
	UInt at = 0;
	while (t.fd >= 0 && at < t.len) {
		Int n = VG_(write)(t.fd, t.buf + at, (Int)(t.len - at));
		if (n <= 0) {
			VG_(umsg)("tptrec: cannot write %s; the recording is incomplete\n", t.path);
			VG_(exit)(125);
		}
		at += (UInt)n;
	}
	t.len = 0;
}

static void put_byte(UChar b)
{
	t.buf[t.len++] = b;
}

static void put_var(ULong v)
{
	do {
		put_byte((UChar)((v & 0x7f) | (v >= 0x80 ? 0x80 : 0)));
		v >>= 7;
	} while (v);
}

/* Room for one more record of any kind. */
static void log_room(void)
{
	if (t.len > BUF_SIZE - 64)
		log_flush();
}

/* Creates this process's log (never an existing one) and writes its header. */
static void log_open(void)
{
	HChar *path = VG_(expand_file_name)("--tpt-log", t.log_opt);
	VG_(snprintf)(t.path, sizeof(t.path), "%s", path);
	VG_(free)(path);
	SysRes r;
	/* A name still taken is a log the recorder has yet to rename: wait (10 s at most). */
	for (Int tries = 0;; tries++) {
		r = VG_(open)(t.path, VKI_O_CREAT | VKI_O_EXCL | VKI_O_WRONLY, 0600);
		if (!sr_isError(r) || sr_Err(r) != VKI_EEXIST || tries == 10000)
			break;
		VG_(poll)(NULL, 0, 1);
	}
	if (sr_isError(r)) {
		VG_(umsg)("tptrec: cannot create %s (error %lu)\n", t.path, sr_Err(r));
		VG_(exit)(125);
	}
	t.fd = (Int)sr_Res(r);
	const HChar *name = VG_(args_the_exename) ? VG_(args_the_exename) : "";
	const HChar *slash = VG_(strrchr)(name, '/');
	name = slash ? slash + 1 : name;
	SizeT n = VG_(strlen)(name);
	if (n > 255)
		n = 255;
	for (const HChar *m = TPTLOG_MAGIC; *m; m++)
		put_byte((UChar)*m);
	put_byte(t.roi ? TPTLOG_ROI : 0);
	put_byte((UChar)n);
	for (SizeT i = 0; i < n; i++)
		put_byte((UChar)name[i]);
}

/* Starts the instruction stream afresh (a new log). */
static void stream_reset(void)
{
	t.instrs = 0;
	t.iaddr = ~(Addr)0;
	t.iaccess = t.rep = False;
	t.lines[0] = t.lines[1] = ~(Addr)0;
	t.last_va = 0;
	t.pending = False;
	t.opening = 0;
	VG_(memset)(t.files, 0, sizeof(t.files));
}

static void put_note(UInt kind, ULong arg)
{
	if (t.fd < 0)
		return;
	log_room();
	put_byte(TL_NOTE);
	put_var(kind);
	put_var(arg);
}

/* ---- the helpers the instrumented code calls ------------------------------ */

static VG_REGPARM(1) void on_fetch(Addr a)
{
	t.rep = a == t.iaddr && t.iaccess;
	if (!t.rep) {
		t.instrs++;
		t.iaddr = a;
		t.iaccess = False;
		t.lines[0] = t.lines[1] = ~(Addr)0;
	}
}

static void access(Addr a, UWord size, Bool load, Bool store)
{
	t.iaccess = True;
	Addr cl = a >> 6;
	if (t.rep) {
		load = load && cl != t.lines[0];
		store = store && cl != t.lines[1];
	}
	if (load)
		t.lines[0] = cl;
	if (store)
		t.lines[1] = cl;
	if (t.fd < 0 || (!load && !store))
		return;
	log_room();
	Long d = (Long)(a - t.last_va);
	put_byte(load ? TL_READ : TL_WRITE);
	put_var(t.instrs);
	put_byte((UChar)(size > 64 ? 64 : size));
	put_var(((ULong)d << 1) ^ (ULong)(d >> 63));
	t.last_va = a;
	t.instrs = 0;
	if (load && store) {
		put_byte(TL_WRITE);
		put_var(0);
		put_byte((UChar)(size > 64 ? 64 : size));
		put_var(0);
	}
}

static VG_REGPARM(2) void on_load(Addr a, UWord size)
{
	access(a, size, True, False);
}

static VG_REGPARM(2) void on_store(Addr a, UWord size)
{
	access(a, size, False, True);
}

/* ---- instrumentation ------------------------------------------------------ */

/* A call of fn(args) when guard holds (NULL: always). */
static void add_call(IRSB *sb, const HChar *name, void *fn, Int regparms, IRExpr **args,
		     IRExpr *guard)
{
	IRDirty *d = unsafeIRDirty_0_N(regparms, name, VG_(fnptr_to_fnentry)(fn), args);
	if (guard)
		d->guard = guard;
	addStmtToIRSB(sb, IRStmt_Dirty(d));
}

static void add_access(IRSB *sb, IRExpr *addr, Int size, Bool store, IRExpr *guard)
{
	if (store)
		add_call(sb, "on_store", on_store, 2,
			 mkIRExprVec_2(addr, mkIRExpr_HWord((HWord)size)), guard);
	else
		add_call(sb, "on_load", on_load, 2,
			 mkIRExprVec_2(addr, mkIRExpr_HWord((HWord)size)), guard);
}

/* The calls after statement st that record what it did. */
static void add_effects(IRSB *sb, const IRStmt *st, const IRTypeEnv *env)
{
	switch (st->tag) {
	case Ist_WrTmp:
		if (st->Ist.WrTmp.data->tag == Iex_Load)
			add_access(sb, st->Ist.WrTmp.data->Iex.Load.addr,
				   sizeofIRType(st->Ist.WrTmp.data->Iex.Load.ty), False, NULL);
		break;
	case Ist_Store:
		add_access(sb, st->Ist.Store.addr,
			   sizeofIRType(typeOfIRExpr(env, st->Ist.Store.data)), True, NULL);
		break;
	case Ist_StoreG: {
		const IRStoreG *g = st->Ist.StoreG.details;
		add_access(sb, g->addr, sizeofIRType(typeOfIRExpr(env, g->data)), True, g->guard);
		break;
	}
	case Ist_LoadG: {
		const IRLoadG *g = st->Ist.LoadG.details;
		IRType wide = Ity_INVALID, loaded = Ity_INVALID;
		typeOfIRLoadGOp(g->cvt, &wide, &loaded);
		add_access(sb, g->addr, sizeofIRType(loaded), False, g->guard);
		break;
	}
	case Ist_Dirty: {
		const IRDirty *d = st->Ist.Dirty.details;
		if (d->mFx == Ifx_Read || d->mFx == Ifx_Modify)
			add_access(sb, d->mAddr, d->mSize, False, NULL);
		if (d->mFx == Ifx_Write || d->mFx == Ifx_Modify)
			add_access(sb, d->mAddr, d->mSize, True, NULL);
		break;
	}
	case Ist_CAS: {
		const IRCAS *c = st->Ist.CAS.details;
		Int size = sizeofIRType(typeOfIRExpr(env, c->dataLo)) * (c->dataHi ? 2 : 1);
		add_access(sb, c->addr, size, False, NULL);
		add_access(sb, c->addr, size, True, NULL);
		break;
	}
	case Ist_LLSC:
		if (st->Ist.LLSC.storedata)
			add_access(sb, st->Ist.LLSC.addr,
				   sizeofIRType(typeOfIRExpr(env, st->Ist.LLSC.storedata)), True, NULL);
		else
			add_access(sb, st->Ist.LLSC.addr,
				   sizeofIRType(typeOfIRTemp(env, st->Ist.LLSC.result)), False, NULL);
		break;
	default:
		break;
	}
}

static IRSB *tr_instrument(VgCallbackClosure *closure, IRSB *in, const VexGuestLayout *layout,
			   const VexGuestExtents *extents, const VexArchInfo *arch,
			   IRType gWordTy, IRType hWordTy)
{
	(void)closure, (void)layout, (void)extents, (void)arch;
	if (gWordTy != hWordTy)
		VG_(tool_panic)("tptrec: host and guest word sizes differ");
	IRSB *out = deepCopyIRSBExceptStmts(in);
	for (Int i = 0; i < in->stmts_used; i++) {
		IRStmt *st = in->stmts[i];
		if (!st || st->tag == Ist_NoOp)
			continue;
		if (st->tag == Ist_IMark)
			add_call(out, "on_fetch", on_fetch, 1,
				 mkIRExprVec_1(mkIRExpr_HWord((HWord)st->Ist.IMark.addr)), NULL);
		addStmtToIRSB(out, st);
		add_effects(out, st, in->tyenv);
	}
	return out;
}

/* ---- system calls --------------------------------------------------------- */

/* The id of the NUL-terminated path at a in the client's memory; 0 if
 * it cannot be read. */
static UInt path_id(Addr a)
{
	UInt h = 2166136261u;
	for (SizeT n = 0; n < 4096; n++, a++) {
		if ((n == 0 || a % PAGE == 0) && !VG_(am_is_valid_for_client)(a, 1, VKI_PROT_READ))
			return 0;
		UChar c = *(const UChar *)a;
		if (!c)
			return h ? h : 1;
		h = (h ^ c) * 16777619u;
	}
	return 0;
}

static void tr_pre_syscall(ThreadId tid, UInt no, UWord *args, UInt nargs)
{
	(void)tid, (void)nargs;
	if (t.fd < 0)
		return;
	log_room();
	put_byte(TL_SYSCALL);
	put_var(t.instrs);
	t.instrs = 0;
	t.pending = True;
	t.opening = 0;
	enum { NOHANG = 1 }; /* WNOHANG */
	if ((no == __NR_wait4 && !(args[2] & NOHANG)) || (no == __NR_waitid && !(args[3] & NOHANG)))
		put_note(TN_WAIT, 0);
	else if (no == __NR_open)
		t.opening = path_id(args[0]);
	else if (no == __NR_openat)
		t.opening = path_id(args[1]);
	else if (no == __NR_execve || no == __NR_execveat)
		log_flush(); /* the program may be replaced: its log must be whole */
}

static void tr_post_syscall(ThreadId tid, UInt no, UWord *args, UInt nargs, SysRes res)
{
	(void)tid, (void)nargs;
	if (t.fd < 0 || !t.pending || sr_isError(res))
		return;
	t.pending = False;
	enum { PROT_W = 2, ANONYMOUS = 0x20, CLONE_THREAD = 0x10000 };
	UWord r = sr_Res(res);
	log_room();
	if (no == __NR_mmap && args[1]) {
		UInt flags = (args[2] & PROT_W) ? 1 : 0; /* WL_MAP_W */
		if (!(args[3] & ANONYMOUS)) {
			flags |= 8; /* WL_MAP_FILE */
			if (args[4] < NFILES && t.files[args[4]]) {
				put_byte(TL_FILE);
				put_var(t.files[args[4]]);
				put_var(args[5] / PAGE);
			}
		}
		put_byte((UChar)(TL_MMAP | flags << 4));
		put_var(r);
		put_var(args[1]);
	} else if (no == __NR_munmap && args[1]) {
		put_byte(TL_MUNMAP);
		put_var(args[0]);
		put_var(args[1]);
	} else if (no == __NR_mprotect && args[1]) {
		put_byte((UChar)(TL_MPROTECT | ((args[2] & PROT_W) ? 1 : 0) << 4));
		put_var(args[0]);
		put_var(args[1]);
	} else if (no == __NR_brk) {
		put_byte(TL_BRK);
		put_var(r);
	} else if (no == __NR_open || no == __NR_openat) {
		if (r < NFILES && t.opening)
			t.files[r] = t.opening;
	} else if ((no == __NR_fork || no == __NR_vfork ||
		    (no == __NR_clone && !(args[0] & CLONE_THREAD))) && r > 0) {
		put_note(TN_FORK, r);
	}
}

/* ---- processes ------------------------------------------------------------ */

static void tr_atfork_pre(ThreadId tid)
{
	(void)tid;
	log_flush(); /* or the child writes the parent's records again */
}

static void tr_atfork_child(ThreadId tid)
{
	(void)tid;
	if (t.fd >= 0)
		VG_(close)(t.fd);
	t.fd = -1;
	t.len = 0;
	stream_reset();
	if (t.children)
		log_open();
}

static Bool tr_client_request(ThreadId tid, UWord *arg, UWord *ret)
{
	(void)tid;
	if ((arg[0] & 0xffff0000) != TPTLOG_REQ_BASE)
		return False;
	if (t.roi && arg[0] == TPTLOG_REQ_ROI_BEGIN)
		put_note(TN_ROI_BEGIN, 0);
	else if (t.roi && arg[0] == TPTLOG_REQ_ROI_END)
		put_note(TN_ROI_END, 0);
	*ret = 0;
	return True;
}

static Bool tr_option(const HChar *arg)
{
	if (VG_STR_CLO(arg, "--tpt-log", t.log_opt)) {
	} else if (VG_BOOL_CLO(arg, "--tpt-children", t.children)) {
	} else if (VG_BOOL_CLO(arg, "--tpt-roi", t.roi)) {
	} else
		return False;
	return True;
}

static void tr_usage(void)
{
	VG_(printf)("    --tpt-log=PATH            the log (%%p: the pid) [required]\n"
		    "    --tpt-children=yes|no     a forked child writes its own log [yes]\n"
		    "    --tpt-roi=yes|no          record the region of interest's markers [no]\n");
}

static void tr_post_clo_init(void)
{
	if (!t.log_opt) {
		VG_(umsg)("tptrec: --tpt-log=PATH is required\n");
		VG_(exit)(125);
	}
	stream_reset();
	log_open();
	VG_(atfork)(tr_atfork_pre, NULL, tr_atfork_child);
}

static void tr_fini(Int exitcode)
{
	(void)exitcode;
	log_flush();
	if (t.fd >= 0)
		VG_(close)(t.fd);
	t.fd = -1;
}

static void tr_pre_clo_init(void)
{
	VG_(details_name)("tptrec");
	VG_(details_version)(NULL);
	VG_(details_description)("tpt's recorder of accesses and OS events");
	VG_(details_copyright_author)("the tpt authors (MIT licence)");
	VG_(details_bug_reports_to)("the tpt authors");
	VG_(basic_tool_funcs)(tr_post_clo_init, tr_instrument, tr_fini);
	VG_(needs_command_line_options)(tr_option, tr_usage, NULL);
	VG_(needs_syscall_wrapper)(tr_pre_syscall, tr_post_syscall);
	VG_(needs_client_requests)(tr_client_request);
	t.fd = -1;
	t.children = True;
}

VG_DETERMINE_INTERFACE_VERSION(tr_pre_clo_init)
