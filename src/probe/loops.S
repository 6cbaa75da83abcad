/* SPDX-License-Identifier: MIT */
/*
 * loops.S - the probe's measured loops (probe.h), x86-64 System V functions
 * that run natively (called from C) and, byte for byte the same, in the
 * probe's guest (the VMM copies probe_loops_begin..probe_loops_end into
 * guest memory and enters them through probe_guest_entry). So the code is
 * position independent and touches no memory but its arguments', the
 * stack's and (in the guest) the doorbell page's.
 *
 * probe_gups is the inner loop gcc -O2 makes of HPCC RandomAccess's
 * sequential reference (bench/programs/randomaccess.c): 12 instructions an
 * update, ran[j]'s load and store and the table word's load and store, as
 * the gups generator models it.
 */
	.text
	.globl probe_loops_begin, probe_loops_end
	.globl probe_gups, probe_chase, probe_touch, probe_adds, probe_cpuid
	.globl probe_ptwrite, probe_ring, probe_guest_entry

probe_loops_begin:

/* void probe_gups(uint64_t *table, uint64_t mask, uint64_t rounds, uint64_t *ran):
 * rounds x 128 updates, table[ran[j] & mask] ^= ran[j], each ran[j] first
 * stepped through HPCC's LFSR. */
	.p2align 4
probe_gups:
	test	%rdx, %rdx
	jz	3f
	mov	%rsi, %r11
	mov	%rdx, %r10
	lea	1024(%rcx), %r9
1:	mov	%rcx, %rdx
	.p2align 4
2:	mov	(%rdx), %rsi
	lea	(%rsi,%rsi,1), %rax
	mov	%rax, %r8
	xor	$7, %r8
	test	%rsi, %rsi
	cmovs	%r8, %rax
	add	$8, %rdx
	mov	%rax, %rsi
	mov	%rax, -8(%rdx)
	and	%r11, %rsi
	xor	%rax, (%rdi,%rsi,8)
	cmp	%rdx, %r9
	jne	2b
	dec	%r10
	jnz	1b
3:	ret

/* uint64_t probe_chase(uint64_t *p, uint64_t steps): p = *p, steps times;
 * returns where it ended. 3 instructions a step, one load. */
	.p2align 4
probe_chase:
	mov	%rdi, %rax
	test	%rsi, %rsi
	jz	2f
	.p2align 4
1:	mov	(%rax), %rax
	dec	%rsi
	jnz	1b
2:	ret

/* void probe_touch(uint8_t *p, uint64_t n, uint64_t stride): one byte
 * stored every stride bytes, n times (first touch of each page). */
	.p2align 4
probe_touch:
	test	%rsi, %rsi
	jz	2f
1:	movb	$1, (%rdi)
	add	%rdx, %rdi
	dec	%rsi
	jnz	1b
2:	ret

/* uint64_t probe_adds(uint64_t n): n x 64 dependent one-cycle adds (the
 * clock: every x86-64 core retires a dependent add a cycle). */
	.p2align 4
probe_adds:
	xor	%eax, %eax
	test	%rdi, %rdi
	jz	2f
	.p2align 4
1:	.rept 64
	add	$1, %rax
	.endr
	dec	%rdi
	jnz	1b
2:	ret

/* void probe_cpuid(uint64_t n): n x CPUID leaf 0 (a guest's CPUID exits to
 * the hypervisor on hardware virtualization). */
	.p2align 4
probe_cpuid:
	push	%rbx
	mov	%rdi, %r8
	test	%r8, %r8
	jz	2f
1:	xor	%eax, %eax
	xor	%ecx, %ecx
	cpuid
	dec	%r8
	jnz	1b
2:	pop	%rbx
	ret

/* void probe_ptwrite(uint64_t *ptes, uint8_t *va, uint64_t n, uint64_t flip,
 * uint64_t mask): n times: ptes[i] ^= flip, then a load of byte 0 of page i
 * of va; i runs 0..mask (mask 0: one entry). In the guest ptes is a page
 * table (or directory) entry that maps va, which the hypervisor
 * write-protects; natively ordinary memory. */
	.p2align 4
probe_ptwrite:
	xor	%r9d, %r9d
	test	%rdx, %rdx
	jz	2f
1:	xor	%rcx, (%rdi,%r9,8)
	mov	%r9, %rax
	shl	$12, %rax
	movzbl	(%rsi,%rax), %eax
	inc	%r9
	and	%r8, %r9
	dec	%rdx
	jnz	1b
2:	ret

/* void probe_ring(uint64_t n, uint8_t *bell): n stores to bell, a guest page
 * backed by no memory: an MMIO exit to the VMM each (guest only). */
	.p2align 4
probe_ring:
	test	%rdi, %rdi
	jz	2f
1:	movb	%al, (%rsi)
	dec	%rdi
	jnz	1b
2:	ret

/* The guest's way in: call *%rax with the arguments already in rdi, rsi,
 * rdx, rcx, r8, then a store to the doorbell page at 0x3000 with the result in
 * rax: the VMM's "done". */
	.p2align 4
probe_guest_entry:
	call	*%rax
	movb	%al, 0x3000
1:	jmp	1b

probe_loops_end:

	.section .note.GNU-stack, "", @progbits
