/* SPDX-License-Identifier: MIT */
/*
 * boot64.S - the TCG probe's x86-64 guest (guest.c built -m64): a
 * Multiboot header with its load addresses (QEMU loads this flat image at
 * 1 MiB; its loader takes no 64-bit ELF), and the way from the 32-bit
 * protected mode Multiboot enters in to long mode: the first GiB mapped
 * with 2 MiB pages (guest_main maps it again with 4 KiB ones), PAE, EFER.LME,
 * paging, a 64-bit code segment; then guest_main(the Multiboot information).
 */
	.section .multiboot, "a"
	.p2align 2
mb_header:
	.long	0x1badb002		/* Multiboot magic */
	.long	0x00010003		/* page-aligned, memory map, load addresses below */
	.long	-(0x1badb002 + 0x00010003)
	.long	mb_header		/* header_addr */
	.long	_load_start		/* load_addr */
	.long	_load_end		/* load_end_addr */
	.long	_bss_end		/* bss_end_addr */
	.long	_start32		/* entry_addr */

	.text
	.code32
	.globl	_start32
_start32:
	cli
	mov	%ebx, %edi		/* the Multiboot information, kept for guest_main */
	mov	$boot_pdpt, %edx
	or	$3, %edx
	mov	%edx, boot_pml4
	mov	$boot_pd, %edx
	or	$3, %edx
	mov	%edx, boot_pdpt
	mov	$boot_pd, %ecx
	xor	%edx, %edx
1:	mov	%edx, %esi		/* entry edx: 2 MiB page edx, present, writable, large */
	shl	$21, %esi
	or	$0x83, %esi
	mov	%esi, (%ecx,%edx,8)
	movl	$0, 4(%ecx,%edx,8)
	inc	%edx
	cmp	$512, %edx
	jne	1b
	mov	%cr4, %eax
	or	$0x20, %eax		/* PAE */
	mov	%eax, %cr4
	mov	$boot_pml4, %eax
	mov	%eax, %cr3
	mov	$0xc0000080, %ecx	/* EFER */
	rdmsr
	or	$0x100, %eax		/* LME */
	wrmsr
	mov	%cr0, %eax
	or	$0x80010001, %eax	/* PG, WP, PE */
	mov	%eax, %cr0
	lgdt	gdt_ptr
	ljmp	$8, $start64

	.code64
start64:
	mov	$16, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	$stack_top, %rsp
	mov	%edi, %edi		/* zero-extended: guest_main's argument */
	call	guest_main
2:	hlt
	jmp	2b

	.section .rodata
	.p2align 3
gdt:
	.quad	0
	.quad	0x00209a0000000000	/* 64-bit code */
	.quad	0x0000920000000000	/* data */
gdt_ptr:
	.word	gdt_ptr - gdt - 1
	.long	gdt

	.bss
	.p2align 12
boot_pml4:
	.space	4096
boot_pdpt:
	.space	4096
boot_pd:
	.space	4096
	.space	16384
stack_top:

	.section .note.GNU-stack, "", @progbits
