/* "Copier" buttons of the records API block: copy the call beside them. */
ckan.module('metropole-copy', function ($) {
  return {
    initialize: function () {
      var target = document.getElementById(this.options.target);
      var button = this.el;
      button.on('click', function () {
        target.select();
        var done = function () { button.text(button.data('copied') || 'Copié'); };
        if (navigator.clipboard) { navigator.clipboard.writeText(target.value).then(done, function () { document.execCommand('copy'); done(); }); }
        else { document.execCommand('copy'); done(); }
      });
    }
  };
});
