/* SPDX-License-Identifier: MIT */
/*
 * boot.S - the TCG probe's guest (guest.c): a Multiboot header, so that
 * qemu-system-i386 -kernel loads it, the entry, and the measured loops,
 * whose instructions per iteration tcg.h counts. 32-bit cdecl functions.
 */
#include "tpt/base/tcgloop.h"

	.section .multiboot, "a"
	.p2align 2
	.long	0x1badb002		/* Multiboot magic */
	.long	0x00000003		/* page-aligned, memory map wanted */
	.long	-(0x1badb002 + 0x00000003)

	.text
	.globl	_start
_start:
	cli
	mov	$stack_top, %esp
	push	%ebx			/* the Multiboot information */
	call	guest_main
1:	hlt
	jmp	1b

/* uint32_t tcg_rmw(uint8_t *base, uint32_t shift, uint32_t n, uint32_t x): n
 * updates; returns the generator's state. */
	.globl	tcg_rmw
	.p2align 4
tcg_rmw:
	push	%ebp
	push	%esi
	push	%edi
	push	%ebx
	mov	20(%esp), %esi
	mov	24(%esp), %ecx
	mov	28(%esp), %edi
	mov	32(%esp), %eax
	.p2align 4
1:	imul	$TCG_LCG_MUL, %eax, %eax
	add	$TCG_LCG_ADD, %eax
	mov	%eax, %edx
	shr	%cl, %edx
	and	$-4, %edx
	addl	$1, (%esi,%edx)
	dec	%edi
	jnz	1b
	pop	%ebx
	pop	%edi
	pop	%esi
	pop	%ebp
	ret

/* uint32_t tcg_chase(uint32_t p, uint32_t n): n steps from p; where it ends. */
	.globl	tcg_chase
	.p2align 4
tcg_chase:
	mov	4(%esp), %eax
	mov	8(%esp), %ecx
	.p2align 4
1:	mov	(%eax), %eax
	dec	%ecx
	jnz	1b
	ret

/* void tcg_seq(uint8_t *base, uint8_t *end): every word of [base, end) once. */
	.globl	tcg_seq
	.p2align 4
tcg_seq:
	push	%esi
	push	%edi
	mov	12(%esp), %esi
	mov	16(%esp), %edi
	.p2align 4
1:	addl	$1, (%esi)
	add	$4, %esi
	cmp	%edi, %esi
	jb	1b
	pop	%edi
	pop	%esi
	ret

	.bss
	.p2align 12
	.space	16384
stack_top:

	.section .note.GNU-stack, "", @progbits
