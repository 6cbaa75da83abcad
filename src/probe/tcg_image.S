/* SPDX-License-Identifier: MIT */
/*
 * tcg_image.S - the TCG probe's guests (tcg/guest.c), linked into tpt as
 * bytes: tcg.c writes one to a file for QEMU's -kernel. The build passes
 * their paths: TCG_GUEST_ELF (IA-32, an ELF for qemu-system-i386) and
 * TCG_GUEST64 (x86-64, a flat Multiboot image for qemu-system-x86_64).
 */
	.section .rodata
	.globl	tcg_image, tcg_image_end, tcg_image64, tcg_image64_end
	.p2align 4
tcg_image:
	.incbin	TCG_GUEST_ELF
tcg_image_end:
	.p2align 4
tcg_image64:
	.incbin	TCG_GUEST64
tcg_image64_end:

	.section .note.GNU-stack, "", @progbits
