'use strict';
// Select2, the admin's autocomplete widget, gives its search box no name: a screen reader
// announces an unlabelled text field (axe: "label", critical). Name each box after its
// field's own <label>. Runs after admin/js/autocomplete.js has set Select2 up (jQuery's
// ready handlers run in order); Select2 keeps the same box, so once is enough.
{
    const nameSearchBoxes = () => {
        document.querySelectorAll('.select2-search__field:not([aria-label])').forEach((box) => {
            const select = box.closest('.select2-container')?.previousElementSibling;
            const label = select?.id && document.querySelector(`label[for="${select.id}"]`);
            if (label) {
                box.setAttribute('aria-label', label.textContent.trim().replace(/:$/, ''));
            }
        });
    };
    if (window.django?.jQuery) {
        window.django.jQuery(nameSearchBoxes);
    }
}
