"""Written documents (书面) in the layout of GB/T 9704-2012 党政机关公文格式, as .docx and as PDF.

One model (:class:`OfficialDocument`: the issuing authority mark, the document number, the title,
the main recipient, the body, the issuing organ and date, the copy-to line, the printing line) and
two renderings: :func:`render_docx` (editable; the fonts 方正小标宋简体/仿宋_GB2312/黑体/楷体_GB2312
are named so Word and WPS use them where installed) and :func:`render_pdf` (drawn with a Chinese
font found on the machine, fonts-wqy-microhei or Noto CJK). The services decide
what a document says; this package only lays it out."""

# Import from the modules (model, docx_render, pdf_render): the model stays free of the renderers' libraries.
